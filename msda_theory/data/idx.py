"""IDX files (the MNIST format) and the Fashion-MNIST data set built from them.

An unsigned-byte IDX file is a big-endian int32 magic number ``0x0800 + ndim``
(2051 for (N, H, W) images, 2049 for (N,) labels), ``ndim`` big-endian uint32
dimensions, then ``prod(dims)`` bytes in C order. Files may be gzip-compressed
(``.gz``) or raw. Nothing is cached on disk. The header is read first and the
memory its dims imply (the bytes plus their float32 copy for images, plus their
int64 copy for labels) is checked against the allocation cap
(``msda_theory.io.MAX_ALLOC_BYTES``) before the payload is read or decompressed;
decompression streams and stops just past the payload the header claims.
"""
from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch

from msda_theory.io import open_regular

from ._dataset import (
    Dataset, check_counts, check_image_memory, check_label_memory, check_labels, check_split, unit_float,
)

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
_KIND = {IMAGES_MAGIC: "IDX images", LABELS_MAGIC: "IDX labels"}
_CHUNK = 1 << 20  # bytes read at a time, and the most read past a payload

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


def _read_header(stream: BinaryIO, magic: int, source: str) -> tuple[int, ...]:
    """The dims of an IDX header read from ``stream``, after checking its length and magic number."""
    ndim = magic & 0xFF
    size = 4 * (1 + ndim)
    head = stream.read(size)
    if len(head) < size:
        raise ValueError(f"truncated header in {source}: {len(head)} bytes, expected at least {size}")
    found = int.from_bytes(head[:4], "big")
    if found != magic:
        raise ValueError(f"bad magic number {found} in {source} (expected {magic} for {_KIND[magic]})")
    return tuple(int.from_bytes(head[4 * k:4 * k + 4], "big") for k in range(1, ndim + 1))


def _read_payload(stream: BinaryIO, size: int) -> bytearray:
    """Up to ``size`` bytes of ``stream``, read in chunks (a short file allocates only what it holds)."""
    data = bytearray()
    while len(data) < size and (chunk := stream.read(min(_CHUNK, size - len(data)))):
        data += chunk
    return data


def _count_rest(stream: BinaryIO) -> int:
    """The bytes left in ``stream``, counted up to ``_CHUNK`` (``_CHUNK`` + 1 means 'more than ``_CHUNK``')."""
    return len(stream.read(_CHUNK + 1))


def read_idx_stream(stream: BinaryIO, magic: int, source: str) -> np.ndarray:
    """Read one unsigned-byte IDX file from ``stream``: the header, then exactly the payload it claims.

    The memory the header dims imply (the bytes and their float32 copy for images, their int64
    copy for labels) is checked against the cap before the payload is read, and no more than
    ``_CHUNK`` + 1 bytes past the payload are read, so a gzip bomb is refused soon after its header.

    Returns:
        (N, H, W) for images, (N,) for labels, uint8.
    """
    dims = _read_header(stream, magic, source)
    size = int(np.prod(dims, dtype=object))
    check_memory = check_image_memory if magic == IMAGES_MAGIC else check_label_memory
    check_memory(size, f"{source} with header dims {dims}")
    payload = _read_payload(stream, size)
    if len(payload) < size:
        raise ValueError(f"truncated payload in {source}: header dims {dims} need {size} bytes, found {len(payload)}")
    extra = _count_rest(stream)
    if extra:
        count = f"more than {_CHUNK:,}" if extra > _CHUNK else str(extra)
        raise ValueError(f"{count} trailing bytes in {source} after the {size} its header dims {dims} need")
    return np.frombuffer(payload, np.uint8).reshape(dims)


def parse_idx(data: bytes | bytearray, magic: int, source: str) -> np.ndarray:
    """Parse an unsigned-byte IDX buffer (a whole decompressed file); see :func:`read_idx_stream`."""
    return read_idx_stream(io.BytesIO(data), magic, source)


def read_idx(path: str | os.PathLike, magic: int) -> np.ndarray:
    """Read an IDX file (raw, or gzip-compressed when its name ends in ``.gz``); see :func:`read_idx_stream`.

    Only a regular file is opened (a FIFO or device is refused), and a ``.gz`` file is decompressed
    as it is parsed, never further than the payload its header claims.
    """
    path = Path(path)
    gz = path.suffix == ".gz"
    with open_regular(path) as raw:
        try:
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
            return read_idx_stream(stream, magic, str(path))  # type: ignore[arg-type]
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{'corrupt gzip file' if gz else 'cannot read'} {path}: {exc}") from None


def _locate(directory: Path, split: str) -> tuple[list[Path], list[Path]]:
    """Return (found files, paths tried for the files not found) for one split."""
    found: list[Path] = []
    missing: list[Path] = []
    for stem in _FILES[split]:
        candidates = [directory / f"{stem}.gz", directory / stem]
        hit = next((p for p in candidates if p.exists()), None)  # a FIFO is found, then refused by read_idx
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
