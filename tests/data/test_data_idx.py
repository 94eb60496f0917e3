"""IDX parsing and Fashion-MNIST loading, on tiny files written here and on the real set."""
from __future__ import annotations

import gzip
import re
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from msda_theory.data import available, load
from msda_theory.data.idx import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_DIR,
    IMAGES_MAGIC,
    LABELS_MAGIC,
    ROOT_VARIABLE,
    fashion_mnist_dir,
    parse_idx,
)

TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def encode_idx(array: np.ndarray, magic: int | None = None) -> bytes:
    """The IDX bytes of a uint8 array: >i4 magic, >u4 dims, then the C-order payload."""
    magic = 0x0800 + array.ndim if magic is None else magic
    return struct.pack(f">i{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()


def write(path: Path, data: bytes, compress: bool) -> Path:
    """Write ``data`` to ``path`` (gzipped, with ``.gz`` appended, when ``compress``)."""
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_split(root: Path, stems: tuple[str, str], images: np.ndarray, labels: np.ndarray,
                compress: bool = True) -> tuple[Path, Path]:
    """Write one split's image and label IDX files under ``root``."""
    return (write(root / stems[0], encode_idx(images), compress),
            write(root / stems[1], encode_idx(labels), compress))


def tiny_set(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 5, 4), dtype=np.uint8), rng.integers(0, 10, n, dtype=np.uint8))


@given(arrays(np.uint8, st.tuples(st.integers(0, 4), st.integers(1, 5), st.integers(1, 5))))
def test_idx_images_round_trip(images: np.ndarray) -> None:
    parsed = parse_idx(encode_idx(images), IMAGES_MAGIC, "mem")
    assert parsed.shape == images.shape and np.array_equal(parsed, images)


@given(arrays(np.uint8, st.integers(0, 30)))
def test_idx_labels_round_trip(labels: np.ndarray) -> None:
    assert np.array_equal(parse_idx(encode_idx(labels), LABELS_MAGIC, "mem"), labels)


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_round_trips_both_splits(tmp_path: Path, compress: bool) -> None:
    sets = {"train": tiny_set(7, 0), "test": tiny_set(3, 1)}
    for split, stems in (("train", TRAIN), ("test", TEST)):
        write_split(tmp_path, stems, *sets[split], compress=compress)
    assert available("fashion-mnist", root=tmp_path)
    for split, (images, labels) in sets.items():
        data = load("fashion-mnist", root=tmp_path, split=split)
        assert data.x.shape == (len(images), 1, 5, 4) and data.x.dtype == torch.float32
        assert data.y.dtype == torch.int64 and torch.equal(data.y, torch.from_numpy(labels).long())
        assert torch.equal(data.x * 255, torch.from_numpy(images).float().unsqueeze(1))
        assert (data.num_classes, data.classes, data.split) == (10, FASHION_MNIST_CLASSES, split)
        assert data.name == "fashion-mnist" and len(data) == len(labels)


def test_missing_fashion_mnist_names_every_path_tried(tmp_path: Path) -> None:
    tried = ", ".join(str(tmp_path / name) for stem in TRAIN for name in (stem + ".gz", stem))
    message = (f"Fashion-MNIST not found (tried: {tried}); install it with "
               "`apt-get install dataset-fashion-mnist` or pass root=DIR holding the IDX files")
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(message)}$"):
        load("fashion-mnist", root=tmp_path)
    assert not available("fashion-mnist", root=tmp_path)


def test_missing_labels_only_lists_the_label_paths(tmp_path: Path) -> None:
    write(tmp_path / TEST[0], encode_idx(tiny_set(2, 0)[0]), compress=False)
    tried = f"{tmp_path / TEST[1]}.gz, {tmp_path / TEST[1]}"
    with pytest.raises(FileNotFoundError, match=re.escape(f"(tried: {tried});")):
        load("fashion-mnist", root=tmp_path, split="test")


def corrupt_case(tmp_path: Path, case: str) -> str:
    """Write a train split broken in one way; return a regex of the whole error message."""
    images, labels = tiny_set(3, 0)
    image_bytes, label_bytes = encode_idx(images), encode_idx(labels)
    ipath, lpath = tmp_path / (TRAIN[0] + ".gz"), tmp_path / (TRAIN[1] + ".gz")
    if case == "image magic":
        image_bytes = encode_idx(images, magic=1234)
        expected = f"bad magic number 1234 in {ipath} (expected 2051 for IDX images)"
    elif case == "label magic":
        label_bytes = encode_idx(labels[:, None, None])
        expected = f"bad magic number 2051 in {lpath} (expected 2049 for IDX labels)"
    elif case == "truncated payload":
        image_bytes = image_bytes[:-1]
        expected = f"truncated payload in {ipath}: header dims (3, 5, 4) need 60 bytes, found 59"
    elif case == "trailing bytes":
        label_bytes += b"\x00\x00"
        expected = f"2 trailing bytes in {lpath} after the 3 its header dims (3,) need"
    elif case == "truncated header":
        image_bytes = image_bytes[:10]
        expected = f"truncated header in {ipath}: 10 bytes, expected at least 16"
    elif case == "label range":
        labels[1] = 10
        label_bytes = encode_idx(labels)
        expected = f"label 10 out of range in {lpath} (expected 0..9)"
    elif case == "count mismatch":
        label_bytes = encode_idx(labels[:2])
        expected = f"Fashion-MNIST ({ipath}, {lpath}) holds 3 images but 2 labels"
    else:  # "gzip"
        ipath.write_bytes(b"not a gzip stream")
        lpath.write_bytes(gzip.compress(label_bytes))
        return "^" + re.escape(f"corrupt gzip file {ipath}: ") + ".+$"  # the reason is zlib's
    ipath.write_bytes(gzip.compress(image_bytes))
    lpath.write_bytes(gzip.compress(label_bytes))
    return f"^{re.escape(expected)}$"


@pytest.mark.parametrize("case", [
    "image magic", "label magic", "truncated payload", "trailing bytes",
    "truncated header", "label range", "count mismatch", "gzip",
])
def test_corrupt_idx_files_raise_one_line_messages(tmp_path: Path, case: str) -> None:
    with pytest.raises(ValueError, match=corrupt_case(tmp_path, case)):
        load("fashion-mnist", root=tmp_path)


def test_the_root_variable_moves_the_default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ROOT_VARIABLE, raising=False)
    assert fashion_mnist_dir() == FASHION_MNIST_DIR
    monkeypatch.setenv(ROOT_VARIABLE, str(tmp_path))
    assert fashion_mnist_dir() == tmp_path and fashion_mnist_dir(root="elsewhere") == Path("elsewhere")
    assert not available("fashion-mnist")  # an empty folder hides the data, installed or not
    with pytest.raises(FileNotFoundError, match=re.escape(f"tried: {tmp_path / TRAIN[0]}.gz")):
        load("fashion-mnist")
    sets = {"train": tiny_set(2, 0), "test": tiny_set(2, 1)}
    for split, stems in (("train", TRAIN), ("test", TEST)):
        write_split(tmp_path, stems, *sets[split])
    assert available("fashion-mnist") and len(load("fashion-mnist", split="test")) == 2


@pytest.mark.fashion_mnist
@pytest.mark.skipif(not available("fashion-mnist"), reason="Fashion-MNIST is not installed (or is hidden)")
def test_real_fashion_mnist_loads() -> None:
    for split, n in (("train", 60000), ("test", 10000)):
        data = load("fashion-mnist", split=split)
        assert data.x.shape == (n, 1, 28, 28) and data.x.dtype == torch.float32
        assert 0.0 <= data.x.min() and data.x.max() <= 1.0
        assert torch.equal(data.y.unique(), torch.arange(10))
