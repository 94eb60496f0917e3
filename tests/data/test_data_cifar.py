"""CIFAR-10/100 loading from tiny archives and folders in the real layout, and the safe unpickler."""
from __future__ import annotations

import io
import os
import pickle
import re
import struct
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from msda_theory.data import available, load
from msda_theory.data.cifar import CIFAR10, CIFAR100, CifarLayout
from msda_theory.data.safe_pickle import UnsafePickleError, safe_unpickle

LAYOUTS = {"cifar10": CIFAR10, "cifar100": CIFAR100}


class Py2Pickler(pickle._Pickler):  # type: ignore[name-defined]
    """Writes every str and bytes as a Python 2 ``str``, as in the official CIFAR files."""

    dispatch = dict(pickle._Pickler.dispatch)  # type: ignore[attr-defined]

    def save_py2_str(self, obj: str | bytes) -> None:
        data = obj.encode("latin1") if isinstance(obj, str) else obj
        if len(data) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(data)]) + data)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(data)) + data)
        self.memoize(obj)

    dispatch[str] = save_py2_str
    dispatch[bytes] = save_py2_str


def py2_pickle(obj: Any) -> bytes:
    """Pickle like Python 2 numpy did: protocol 2, byte strings, ``numpy.core`` globals."""
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue().replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")


def make_files(layout: CifarLayout, seed: int = 0) -> dict[str, Any]:
    """Two random samples per batch file, plus the meta file with class names."""
    rng = np.random.default_rng(seed)
    files: dict[str, Any] = {
        name: {"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8),
               layout.label_key: rng.integers(0, layout.num_classes, 2).tolist()}
        for name in layout.train + layout.test
    }
    files[layout.meta] = {layout.names_key: [f"class {k}" for k in range(layout.num_classes)]}
    return files


def write_cifar(root: Path, layout: CifarLayout, files: dict[str, Any], form: str = "folder",
                dump: Any = py2_pickle) -> Path:
    """Write ``files`` (objects, or raw bytes) in the real layout; return the root to pass."""
    blobs = {name: obj if isinstance(obj, bytes) else dump(obj) for name, obj in files.items()}
    if form.startswith("archive"):
        with tarfile.open(root / layout.archive, "w:gz") as tar:
            for name, blob in blobs.items():
                info = tarfile.TarInfo(f"{layout.folder}/{name}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
        return root / layout.archive if form == "archive-path" else root
    folder = root / layout.folder if form == "folder" else root
    folder.mkdir(exist_ok=True)
    for name, blob in blobs.items():
        (folder / name).write_bytes(blob)
    return root


def expected(files: dict[str, Any], layout: CifarLayout, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    names = layout.train if split == "train" else layout.test
    x = np.concatenate([files[n]["data"] for n in names]).reshape(-1, 3, 32, 32)
    y = np.concatenate([files[n][layout.label_key] for n in names])
    return torch.from_numpy(x).float(), torch.from_numpy(y).long()


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
@pytest.mark.parametrize("form", ["archive", "archive-path", "folder", "bare"])
def test_cifar_round_trips(tmp_path: Path, name: str, form: str) -> None:
    layout = LAYOUTS[name]
    files = make_files(layout)
    root = write_cifar(tmp_path, layout, files, form)
    assert available(name, root=root)
    for split in ("train", "test"):
        data = load(name, root=root, split=split)
        x255, y = expected(files, layout, split)
        assert data.x.dtype == torch.float32 and data.x.shape == x255.shape
        assert torch.equal(data.x * 255, x255) and torch.equal(data.y, y)
        assert (data.name, data.split, data.num_classes) == (name, split, layout.num_classes)
        assert data.classes == tuple(f"class {k}" for k in range(layout.num_classes))


def test_python3_pickles_with_str_keys_load(tmp_path: Path) -> None:
    files = make_files(CIFAR10)
    root = write_cifar(tmp_path, CIFAR10, files, dump=lambda obj: pickle.dumps(obj, protocol=5))
    assert torch.equal(load("cifar10", root=root).y, expected(files, CIFAR10, "train")[1])


@given(arrays(st.sampled_from([np.uint8, np.int64, np.float32]), st.tuples(st.integers(0, 3), st.integers(0, 4))),
       st.sampled_from(["py2", 2, 3, 4, 5]))
def test_safe_unpickle_round_trips_arrays(array: np.ndarray, protocol: str | int) -> None:
    blob = py2_pickle(array) if protocol == "py2" else pickle.dumps(array, protocol=protocol)
    loaded = safe_unpickle(blob, "mem")
    assert loaded.dtype == array.dtype and np.array_equal(loaded, array, equal_nan=True)


class Evil:
    """A pickle payload that would run a shell command on load."""

    def __init__(self, call: Any, argument: str) -> None:
        self.call, self.argument = call, argument

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return self.call, (self.argument,)


@pytest.mark.parametrize("form", ["folder", "archive"])
@pytest.mark.parametrize("call", [os.system, eval])
def test_malicious_pickle_is_refused_before_running(tmp_path: Path, form: str, call: Any) -> None:
    marker = tmp_path / "pwned"
    command = f"touch {marker}" if call is os.system else f"open({str(marker)!r}, 'w')"
    files = make_files(CIFAR10)
    files["data_batch_1"] = pickle.dumps({"data": Evil(call, command)}, protocol=2)
    root = write_cifar(tmp_path, CIFAR10, files, form)
    source = (f"{root / CIFAR10.archive}:cifar-10-batches-py/data_batch_1" if form == "archive"
              else str(root / CIFAR10.folder / "data_batch_1"))
    pickled_name = "__builtin__.eval" if call is eval else f"{call.__module__}.system"  # protocol 2 names
    message = (f"refusing to load {pickled_name} from {source}: "
               "only numpy arrays, lists and dicts are allowed")
    with pytest.raises(UnsafePickleError, match=f"^{re.escape(message)}$"):
        load("cifar10", root=root)
    assert not marker.exists()


def test_allowed_helpers_refuse_other_uses() -> None:
    rot13 = b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x05\x00\x00\x00rot13\x86R."
    message = "corrupt pickle mem: ValueError: refusing _codecs.encode with encoding 'rot13'"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        safe_unpickle(rot13, "mem")
    huge_bytes = b"\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x7f\x85R."  # bytes(2**31 - 2**24)
    with pytest.raises(ValueError, match=r"^corrupt pickle mem: TypeError: "):
        safe_unpickle(huge_bytes, "mem")


def break_batch(files: dict[str, Any], case: str, path: str, meta: str) -> str:
    """Break CIFAR-10's data_batch_1 (or meta) one way; return the expected message."""
    batch = files["data_batch_1"]
    if case == "shape":
        batch["data"] = batch["data"][:, :3071]
        return f"bad data in {path}: expected uint8 array (N, 3072), got uint8 (2, 3071)"
    if case == "dtype":
        batch["data"] = batch["data"].astype(np.float64)
        return f"bad data in {path}: expected uint8 array (N, 3072), got float64 (2, 3072)"
    if case == "label range":
        batch["labels"] = [3, 10]
        return f"label 10 out of range in {path} (expected 0..9)"
    if case == "label type":
        batch["labels"] = [0.5, 1.0]
        return f"bad labels in {path}: expected a list of integers, got float64 (2,)"
    if case == "count":
        batch["labels"] = [1, 2, 3]
        return f"{path} holds 2 images but 3 labels"
    if case == "no labels":
        del batch["labels"]
        return f"bad CIFAR file {path}: no 'labels' entry"
    if case == "not a dict":
        files["data_batch_1"] = [1, 2]
        return f"bad CIFAR file {path}: expected a dict, got list"
    files["batches.meta"]["label_names"] = ["a", "b", "c"]  # case == "meta"
    return f"bad label_names in {meta}: 3 names, expected 10"


@pytest.mark.parametrize("case", ["shape", "dtype", "label range", "label type", "count",
                                  "no labels", "not a dict", "meta"])
def test_corrupt_cifar_batches_raise_one_line_messages(tmp_path: Path, case: str) -> None:
    folder = tmp_path / CIFAR10.folder
    files = make_files(CIFAR10)
    message = break_batch(files, case, str(folder / "data_batch_1"), str(folder / "batches.meta"))
    write_cifar(tmp_path, CIFAR10, files)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load("cifar10", root=tmp_path)


def test_cifar100_label_range_is_0_to_99(tmp_path: Path) -> None:
    files = make_files(CIFAR100)
    files["test"]["fine_labels"] = [99, 100]
    write_cifar(tmp_path, CIFAR100, files, "bare")
    assert load("cifar100", root=tmp_path).y.max() < 100
    message = f"label 100 out of range in {tmp_path / 'test'} (expected 0..99)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load("cifar100", root=tmp_path, split="test")


def test_garbage_pickle_and_archive_are_reported(tmp_path: Path) -> None:
    files = make_files(CIFAR10)
    files["test_batch"] = b"this is not a pickle"
    write_cifar(tmp_path, CIFAR10, files)
    path = tmp_path / CIFAR10.folder / "test_batch"
    with pytest.raises(ValueError, match="^" + re.escape(f"corrupt pickle {path}: UnpicklingError: ")):
        load("cifar10", root=tmp_path, split="test")
    archive = tmp_path / "bad" / CIFAR10.archive
    archive.parent.mkdir()
    archive.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(ValueError, match="^" + re.escape(f"corrupt archive {archive}: ")):
        load("cifar10", root=archive.parent)


@pytest.mark.parametrize("form", ["folder", "archive"])
def test_missing_batch_file_is_named(tmp_path: Path, form: str) -> None:
    files = make_files(CIFAR10)
    del files["data_batch_3"]
    root = write_cifar(tmp_path, CIFAR10, files, form)
    source = root / (CIFAR10.archive if form == "archive" else CIFAR10.folder)
    with pytest.raises(ValueError, match=f"^{re.escape(f'{source} lacks CIFAR-10 file(s) data_batch_3')}$"):
        load("cifar10", root=root)
    assert torch.equal(load("cifar10", root=root, split="test").y, expected(files, CIFAR10, "test")[1])


def test_missing_cifar_needs_root_and_lists_paths_tried(tmp_path: Path) -> None:
    how = ("download cifar-100-python.tar.gz (python version) from https://www.cs.toronto.edu/~kriz/cifar.html"
           " and pass root=DIR holding it or its extracted folder")
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(f'CIFAR-100 has no default location; {how}')}$"):
        load("cifar100")
    tried = f"{tmp_path / 'cifar-100-python.tar.gz'}, {tmp_path / 'cifar-100-python'}, {tmp_path / 'train'}"
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(f'CIFAR-100 not found (tried: {tried}); {how}')}$"):
        load("cifar100", root=tmp_path)
    assert not available("cifar100") and not available("cifar100", root=tmp_path)
