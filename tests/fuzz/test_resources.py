"""A crafted small file cannot make a loader allocate more than the cap.

The cap (``msda_theory.io.MAX_ALLOC_BYTES``) is lowered to 1 MiB; each file is
a few KiB but asks for at least 100x the cap. tracemalloc (which numpy reports
to) must see a peak below 2x the cap: the cap itself plus read buffers.
"""
from __future__ import annotations

import gzip
import tracemalloc
from pathlib import Path
from typing import Callable

import pytest

import crafted
from msda_theory import io as toolkit_io
from msda_theory.data import load
from msda_theory.io import AllocationError
from msda_theory.train import load_checkpoint

CAP = 2**20


def peak_while_failing(call: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(AllocationError):
            call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def gzip_bomb(folder: Path) -> Path:
    """Fashion-MNIST files whose train images decompress to 256 MiB from about 250 KiB."""
    root = folder / "bomb"
    root.mkdir()
    header = crafted.idx_bytes(2051, (4096, 256, 256), b"")
    (root / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(header + bytes(2**28), compresslevel=9))
    (root / "train-labels-idx1-ubyte").write_bytes(crafted.GOOD_LABELS)
    return root


CASES: dict[str, tuple[Callable[[Path], Path], Callable[[Path], object]]] = {
    "npz header": (crafted.npz_huge_header, lambda p: load(f"npz:{p}")),
    "idx header": (crafted.idx_huge_dims, lambda p: load("fashion-mnist", root=p)),
    "idx gzip bomb": (gzip_bomb, lambda p: load("fashion-mnist", root=p)),
    "cifar _reconstruct": (crafted.cifar_huge_reconstruct, lambda p: load("cifar10", root=p)),
    "cifar ndarray call": (crafted.cifar_ndarray_call, lambda p: load("cifar10", root=p)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_crafted_files_stay_under_the_cap(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build, loader = CASES[name]
    path = build(tmp_path)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert max(p.stat().st_size for p in files) < CAP  # small files ...
    monkeypatch.setattr(toolkit_io, "MAX_ALLOC_BYTES", CAP)
    assert peak_while_failing(lambda: loader(path)) < 2 * CAP  # ... that cannot make the loader allocate past the cap


def test_a_checkpoint_cannot_ask_for_a_huge_model(trained_run: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    folder = crafted.ckpt_huge_in_shape(trained_run, tmp_path / "ck")
    monkeypatch.setattr(toolkit_io, "MAX_ALLOC_BYTES", CAP)
    assert peak_while_failing(lambda: load_checkpoint(folder)) < 2 * CAP + (folder / "checkpoint.pt").stat().st_size


def test_the_nested_label_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    """100^3 label entries from a pickle of a few KiB: refused as labels, without building the array."""
    root = crafted.cifar_nested_labels(tmp_path)
    assert (root / "data_batch_1").stat().st_size < 10_000
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"expected a flat list of integers"):
            load("cifar10", root=root)
        assert tracemalloc.get_traced_memory()[1] < CAP
    finally:
        tracemalloc.stop()
