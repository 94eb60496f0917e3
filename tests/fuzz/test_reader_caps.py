"""Every reader checks its cap before it allocates or decompresses, and refuses special files.

Crafted inputs of the blow-up issue: an IDX labels gzip bomb (4 MiB that decompress to 4 GiB), a
3.5 GiB sparse raw IDX file, an npz whose arrays and float32 copy together pass the cap while each
alone does not, CIFAR archives with entries the loader does not need, and a FIFO (or device) in
the place of each file a reader opens, metrics.json included. Each case asserts a refusal made
before the work: elapsed time, traced memory, or a lowered cap the old reader would have passed.
A FIFO would block ``open`` forever (and SIGALRM may land on another of torch's threads), so those
cases run beside a watchdog that releases a blocked reader by opening the FIFO for writing, then fails.
"""
from __future__ import annotations

import contextlib
import gzip
import io
import os
import pickle
import re
import signal
import stat
import tarfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

import crafted
from conftest import assert_clean_error, run_cli, snapshot
from msda_theory import io as toolkit_io
from msda_theory.data import cifar, load
from msda_theory.io import AllocationError
from msda_theory.train import read_metrics

BLOCK = 16 * 2**20  # bytes of zeros per gzip member of a bomb
TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds`` (a blocked FIFO open is interrupted too)."""
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s (blocked opening a FIFO?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def released_if_blocked(fifo_path: Path, seconds: float = 20) -> Iterator[None]:
    """Fail if the block keeps a reader waiting on ``fifo_path`` over ``seconds`` (a writer then releases it)."""
    released: list[bool] = []
    stop = threading.Event()

    def watch() -> None:
        if stop.wait(seconds):
            return
        while not stop.is_set():
            with contextlib.suppress(OSError):  # ENXIO: no reader waiting; FileNotFoundError: replaced
                if stat.S_ISFIFO(os.stat(fifo_path).st_mode):
                    os.close(os.open(fifo_path, os.O_WRONLY | os.O_NONBLOCK))
                    released.append(True)
            stop.wait(0.1)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
    assert not released, f"a reader blocked opening the FIFO {fifo_path} for {seconds} s"


def timed_peak(call: Callable[[], object]) -> tuple[BaseException, float, int]:
    """(the exception ``call`` raised, elapsed seconds, peak traced bytes); fails if it returned."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with deadline(60):
            call()
    except Exception as exc:  # noqa: BLE001 (the refusal is what is measured)
        return exc, time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    raise AssertionError("the crafted input was accepted")


def gzip_bomb(head: bytes, zeros: int) -> bytes:
    """A gzip file of ``head`` then ``zeros`` zero bytes: one member, then a 16 MiB zero member repeated."""
    return gzip.compress(head) + gzip.compress(bytes(BLOCK), compresslevel=9) * (zeros // BLOCK)


def idx_folder(folder: Path, labels_name: str, labels: bytes) -> Path:
    """Good train images (4, 8, 8) and the given labels file."""
    folder.mkdir(parents=True)
    (folder / TRAIN_IMAGES).write_bytes(crafted.idx_bytes(2051, (4, 8, 8), bytes(256)))
    (folder / labels_name).write_bytes(labels)
    return folder


# ------------------------------------------------------------------ IDX


def test_a_labels_gzip_bomb_with_a_small_header_stops_past_its_payload(tmp_path: Path) -> None:
    bomb = gzip_bomb(crafted.idx_bytes(2049, (4,), bytes([0, 1, 2, 3])), 4 * 2**30)
    assert len(bomb) < 5 * 2**20  # 4 GiB of zeros in under 5 MiB
    root = idx_folder(tmp_path / "idx", TRAIN_LABELS + ".gz", bomb)
    error, elapsed, peak = timed_peak(lambda: load("fashion-mnist", root=root))
    expected = (f"more than 1,048,576 trailing bytes in {root / TRAIN_LABELS}.gz after the 4 its header dims (4,) "
                "need")
    assert isinstance(error, ValueError) and str(error) == expected
    assert elapsed < 2 and peak < 8 * 2**20  # the old reader decompressed up to the 4 GiB cap first


def test_a_labels_gzip_bomb_is_refused_from_its_header_as_labels(tmp_path: Path) -> None:
    count = 2**32 - 1
    root = idx_folder(tmp_path / "idx", TRAIN_LABELS + ".gz",
                      gzip_bomb(crafted.idx_bytes(2049, (count,), b""), 4 * 2**30))
    error, elapsed, peak = timed_peak(lambda: load("fashion-mnist", root=root))
    assert isinstance(error, AllocationError)
    assert f"({count:,} labels: the stored array and its int64 copy)" in str(error)
    assert "pixel" not in str(error)  # the old message called labels "pixel values as float32"
    assert f"about {toolkit_io.gib(9 * count)}" in str(error)  # one byte stored + eight for int64, per label
    assert elapsed < 2 and peak < 8 * 2**20


def sparse_file(path: Path, head: bytes, size: int) -> Path:
    """``head`` then zeros up to ``size`` bytes, as a sparse file (no disk blocks for the zeros)."""
    with open(path, "wb") as handle:
        handle.write(head)
        handle.truncate(size)
    if path.stat().st_blocks * 512 > 2**20:
        pytest.skip("this file system does not keep sparse files")
    return path


@pytest.mark.parametrize("which", ["images", "labels"])
def test_a_sparse_raw_idx_file_is_refused_before_it_is_read(which: str, tmp_path: Path) -> None:
    """3.5 GiB on disk under the 4 GiB cap: the old reader read it all before parsing the header."""
    size = 3584 * 2**20
    root = tmp_path / "idx"
    if which == "images":
        dims = (3584, 1024, 1024)  # what the file holds; the float32 copy would be 14 GiB
        idx_folder(root, TRAIN_LABELS, crafted.GOOD_LABELS)
        sparse_file(root / TRAIN_IMAGES, crafted.idx_bytes(2051, dims, b""), size + 16)
        expected: type[Exception] = AllocationError
    else:  # labels claiming 4 entries, then 3.5 GiB of zeros
        idx_folder(root, "unused", b"")
        sparse_file(root / TRAIN_LABELS, crafted.idx_bytes(2049, (4,), bytes(4)), size)
        expected = ValueError
    error, elapsed, peak = timed_peak(lambda: load("fashion-mnist", root=root))
    assert type(error) is expected, error
    assert elapsed < 2 and peak < 8 * 2**20


# ------------------------------------------------------------------ npz


def npz_bytes_needed(n: int, pixels: int) -> int:
    """What ``load`` holds for x uint8 (n, pixels) and y int64 (n,): each array plus its float32 / int64 copy."""
    return n * pixels * (1 + 4) + n * (8 + 8)


def test_the_npz_float32_copy_is_counted_with_the_raw_array(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = 2**20
    over, under = tmp_path / "over.npz", tmp_path / "under.npz"
    np.savez(over, x=np.zeros((4000, 8, 8), np.uint8), y=np.arange(4000) % 10)
    np.savez(under, x=np.zeros((3000, 8, 8), np.uint8), y=np.arange(3000) % 10)
    assert 4 * 4000 * 64 <= cap < npz_bytes_needed(4000, 64)  # each array alone passes; together they do not
    assert npz_bytes_needed(3000, 64) <= cap
    monkeypatch.setattr(toolkit_io, "MAX_ALLOC_BYTES", cap)
    with pytest.raises(AllocationError, match=re.escape(f"the arrays x (4000, 8, 8) uint8, y (4000,) int64 of {over} "
                                                        "with their float32/int64 copies would need about")):
        load(f"npz:{over}")
    assert load(f"npz:{under}").x.shape == (3000, 1, 8, 8)


def test_an_npz_split_reads_only_its_arrays(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A huge x_test header does not stop the train split, which never loads it."""
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros((4, 8, 8), np.uint8), y=np.arange(4), y_test=np.arange(2))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("x_test.npy", crafted.npy_header_only((10**6, 1, 10**3, 10**3)))
    assert load(f"npz:{path}", split="train").x.shape == (4, 1, 8, 8)
    with pytest.raises(AllocationError, match="x_test"):
        load(f"npz:{path}", split="test")


# ------------------------------------------------------------------ CIFAR archives


def batch_pickle(n: int = 2) -> bytes:
    return pickle.dumps({"data": np.zeros((n, 3072), np.uint8), "labels": [0] * n}, protocol=2)


def cifar_archive(path: Path, before: list[tuple[str, bytes]], after: list[tuple[str, bytes]]) -> Path:
    """A CIFAR-10 .tar.gz with the given extra entries before and after the real files."""
    names = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]
    real = [(f"{cifar.CIFAR10.folder}/{name}", batch_pickle()) for name in names]
    real.append((f"{cifar.CIFAR10.folder}/batches.meta", pickle.dumps({"label_names": list("abcdefghij")})))
    with tarfile.open(path, "w:gz") as tar:
        for name, blob in before + real + after:
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))
    return path


def test_a_cifar_archive_with_many_entries_is_refused_early(tmp_path: Path) -> None:
    junk = [(f"junk/{k}", b"") for k in range(5000)]
    path = cifar_archive(tmp_path / cifar.CIFAR10.archive, junk, [])
    error, elapsed, _ = timed_peak(lambda: load("cifar10", root=tmp_path))
    assert str(error) == (f"{path} holds more than {cifar.MAX_ARCHIVE_ENTRIES} entries before the CIFAR files "
                          "(the real archives hold at most 10); refusing to read further")
    assert elapsed < 2


def test_unneeded_cifar_entries_are_capped_and_never_read_past_the_wanted_ones(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cifar, "MAX_ARCHIVE_BYTES", 2**20)
    junk = [("junk.bin", bytes(8 * 2**20))]  # 8 MiB, eight times the lowered cap
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    cifar_archive(tmp_path / "before" / cifar.CIFAR10.archive, junk, [])
    cifar_archive(tmp_path / "after" / cifar.CIFAR10.archive, [], junk)
    with pytest.raises(ValueError, match="of entries before the CIFAR files"):
        load("cifar10", root=tmp_path / "before")
    assert len(load("cifar10", root=tmp_path / "after")) == 10  # stops after the last wanted member


def test_a_cifar_batch_file_is_size_checked_before_it_is_read(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / cifar.CIFAR10.folder
    folder.mkdir(parents=True)
    for name in cifar.CIFAR10.train:
        (folder / name).write_bytes(batch_pickle())
    sparse_file(folder / "data_batch_3", b"", 3 * 2**30)
    monkeypatch.setattr(toolkit_io, "MAX_ALLOC_BYTES", 4 * 2**30)
    error, elapsed, peak = timed_peak(lambda: load("cifar10", root=tmp_path))
    assert isinstance(error, AllocationError) and "and the arrays unpickled from it" in str(error)
    assert elapsed < 2 and peak < 2**20


# ------------------------------------------------------------------ FIFOs and devices


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def fifo_npz(folder: Path) -> tuple[Path, str, Path | None]:
    path = fifo(folder / "data.npz")
    return path, f"npz:{path}", None


def fifo_idx(folder: Path) -> tuple[Path, str, Path | None]:
    root = idx_folder(folder / "idx", TRAIN_LABELS, crafted.GOOD_LABELS)
    (root / TRAIN_IMAGES).unlink()
    return fifo(root / TRAIN_IMAGES), "fashion-mnist", root


def fifo_cifar_archive(folder: Path) -> tuple[Path, str, Path | None]:
    return fifo(folder / "c" / cifar.CIFAR10.archive), "cifar10", folder / "c"


def fifo_cifar_batch(folder: Path) -> tuple[Path, str, Path | None]:
    return fifo(folder / "c" / cifar.CIFAR10.folder / "data_batch_1"), "cifar10", folder / "c"


FIFO_READERS = {f.__name__: f for f in (fifo_npz, fifo_idx, fifo_cifar_archive, fifo_cifar_batch)}
"""Each puts a FIFO where a reader opens a file: (the FIFO, --data, --root)."""


@pytest.mark.parametrize("reader", list(FIFO_READERS))
def test_a_fifo_is_refused_by_every_reader_and_the_cli(reader: str, tmp_path: Path) -> None:
    path, data, root = FIFO_READERS[reader](tmp_path / "inputs")
    message = f"{path} is a FIFO (named pipe), not a regular file; refusing to read it"
    with released_if_blocked(path):
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            load(data, root=root)
        before = snapshot(tmp_path)
        result = run_cli(["train", "--model", "linear", "--epochs", "1", "--subset", "4", "--batch-size", "4",
                          "--no-progress", "--threads", "1", "--data", data, *(["--root", str(root)] if root else []),
                          "--out", str(tmp_path / "out")])
    assert_clean_error(result, before, snapshot(tmp_path), "is a FIFO (named pipe)")


def test_a_character_device_is_refused_as_an_npz() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(ValueError, match=r"^/dev/zero is a character device, not a regular file"):
        load("npz:/dev/zero")


def fifo_metrics(run: Path) -> Path:
    (run / "metrics.json").unlink()
    return fifo(run / "metrics.json")


def test_a_fifo_metrics_json_reads_as_absent_and_resume_rebuilds_it(run_copy: Path) -> None:
    with released_if_blocked(fifo_metrics(run_copy)):
        assert read_metrics(run_copy) is None
        result = run_cli(["train", "--model", "linear", "--epochs", "2", "--subset", "64", "--test-subset", "32",
                          "--batch-size", "32", "--no-progress", "--threads", "1", "--resume", "--out", str(run_copy)])
    assert result.status == 0, result.err
    assert (run_copy / "metrics.json").is_file() and len(read_metrics(run_copy)["epochs"]) == 2


def test_a_fifo_metrics_json_does_not_hang_a_sweep(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    argv = ["sweep", "--data", "digits", "--model", "linear", "--epochs", "1", "--subset", "32", "--test-subset", "16",
            "--batch-size", "16", "--strategies", "none", "--seeds", "0", "--threads", "1", "--quiet",
            "--out", str(tmp_path / "sweep")]
    assert run_cli(argv).status == 0
    (metrics,) = [p for p in (tmp_path / "sweep").rglob("metrics.json")]
    with released_if_blocked(fifo_metrics(metrics.parent)):
        result = run_cli(argv)
    assert result.status == 0, result.err
    assert metrics.is_file()
