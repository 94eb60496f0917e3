"""IDX files (the MNIST format) and the Fashion-MNIST data set built from them.

An unsigned-byte IDX file is a big-endian int32 magic number ``0x0800 + ndim``
(2051 for (N, H, W) images, 2049 for (N,) labels), ``ndim`` big-endian uint32
dimensions, then ``prod(dims)`` bytes in C order. Files may be gzip-compressed
(``.gz``) or raw. Nothing is cached on disk. Decompression stops at the
allocation cap (``msda_theory.io.MAX_ALLOC_BYTES``), and the float32 copy the
header dims imply is checked against it before anything is converted.
"""
from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np
import torch

from msda_theory.io import check_allocation

from ._dataset import Dataset, check_counts, check_image_memory, check_labels, check_split, unit_float

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_KIND = {IMAGES_MAGIC: "IDX images", LABELS_MAGIC: "IDX labels"}

FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
"""Where the Debian package ``dataset-fashion-mnist`` installs the IDX files."""

ROOT_VARIABLE = "MSDA_FASHION_MNIST_ROOT"
"""An environment variable naming another folder to read Fashion-MNIST from (CI points it at an empty folder)."""

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_HOW_TO_GET = (
    "install it with `apt-get install dataset-fashion-mnist` "
    "or pass root=DIR holding the IDX files"
)


def read_file_bytes(path: Path) -> bytes | bytearray:
    """Return the bytes of ``path``, gunzipped when its name ends in ``.gz``."""
    if path.suffix != ".gz":
        check_allocation(path.stat().st_size, f"reading {path}")
        return path.read_bytes()
    data = bytearray()
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 16):
                data += chunk
                check_allocation(len(data), f"decompressing {path} (at least {len(data):,} bytes)")  # gzip bombs
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"corrupt gzip file {path}: {exc}") from None
    return data


def parse_idx(data: bytes | bytearray, magic: int, source: str) -> np.ndarray:
    """Parse an unsigned-byte IDX buffer into a uint8 array of the shape its header gives.

    Args:
        data: the whole (decompressed) file.
        magic: the expected magic number, ``IMAGES_MAGIC`` or ``LABELS_MAGIC``.
        source: the file name used in error messages.

    Returns:
        (N, H, W) for images, (N,) for labels; a view of ``data``.
    """
    ndim = magic & 0xFF
    header = 4 * (1 + ndim)
    if len(data) < header:
        raise ValueError(
            f"truncated header in {source}: {len(data)} bytes, expected at least {header}"
        )
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise ValueError(f"bad magic number {found} in {source} (expected {magic} for {_KIND[magic]})")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    size, payload = int(np.prod(dims, dtype=object)), len(data) - header
    check_image_memory(size, f"{source} with header dims {dims}")
    if payload < size:
        raise ValueError(
            f"truncated payload in {source}: header dims {dims} need {size} bytes, found {payload}"
        )
    if payload > size:
        raise ValueError(
            f"{payload - size} trailing bytes in {source} after the {size} its header dims {dims} need"
        )
    return np.frombuffer(data, np.uint8, count=size, offset=header).reshape(dims)


def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read an IDX file (raw or ``.gz``) and check its magic number and size; see :func:`parse_idx`."""
    path = Path(path)
    return parse_idx(read_file_bytes(path), magic, str(path))


def _locate(directory: Path, split: str) -> tuple[list[Path], list[Path]]:
    """Return (found files, paths tried for the files not found) for one split."""
    found: list[Path] = []
    missing: list[Path] = []
    for stem in _FILES[split]:
        candidates = [directory / f"{stem}.gz", directory / stem]
        hit = next((p for p in candidates if p.is_file()), None)
        if hit is None:
            missing.extend(candidates)
        else:
            found.append(hit)
    return found, missing


def fashion_mnist_dir(root: str | os.PathLike | None = None) -> Path:
    """``root`` if given, else ``$MSDA_FASHION_MNIST_ROOT`` if set, else the Debian folder."""
    if root is not None:
        return Path(root)
    return Path(os.environ.get(ROOT_VARIABLE) or FASHION_MNIST_DIR)


def fashion_mnist_available(root: str | os.PathLike | None = None) -> bool:
    """Whether the four Fashion-MNIST IDX files exist under ``fashion_mnist_dir(root)``."""
    directory = fashion_mnist_dir(root)
    return all(not _locate(directory, split)[1] for split in _FILES)


def load_fashion_mnist(root: str | os.PathLike | None = None, split: str = "train") -> Dataset:
    """Load Fashion-MNIST as ``x = pixels / 255``, (N, 1, 28, 28), labels 0..9.

    Args:
        root: folder holding the IDX files (``.gz`` or raw); default
            ``$MSDA_FASHION_MNIST_ROOT``, else ``/usr/share/datasets/fashion-mnist``.
        split: ``"train"`` (60000 samples) or ``"test"`` (10000, the t10k files).
    """
    check_split(split)
    directory = fashion_mnist_dir(root)
    found, missing = _locate(directory, split)
    if missing:
        tried = ", ".join(str(p) for p in missing)
        raise FileNotFoundError(f"Fashion-MNIST not found (tried: {tried}); {_HOW_TO_GET}")
    images_path, labels_path = found
    images = read_idx(images_path, IMAGES_MAGIC)  # (N, H, W) uint8
    labels = read_idx(labels_path, LABELS_MAGIC)  # (N,) uint8
    if 0 in images.shape[1:]:
        raise ValueError(f"empty images in {images_path}: size {images.shape[1:]}")
    check_counts(len(images), len(labels), f"Fashion-MNIST ({images_path}, {labels_path})")
    labels = check_labels(labels, 10, str(labels_path))
    return Dataset(
        x=unit_float(images).unsqueeze(1),
        y=torch.from_numpy(labels),
        num_classes=10,
        name="fashion-mnist",
        split=split,
        classes=FASHION_MNIST_CLASSES,
    )
