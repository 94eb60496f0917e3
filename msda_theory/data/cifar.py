"""CIFAR-10 and CIFAR-100, read from the "python version" archive or its extracted folder.

Each batch file is a pickle of a dict with ``data``, uint8 (N, 3072) holding
the R, G and B planes of 32x32 images, and a label list (``labels`` for
CIFAR-10, ``fine_labels`` for CIFAR-100). Keys are bytes in the official
files (pickled by Python 2); str keys are accepted too. Pickles are read with
:func:`safe_unpickle`, so a file cannot run code. Nothing is cached on disk.
Only regular files are opened (a FIFO or device is refused); an archive is read
in one pass that stops once the wanted members are read, and refuses to go past
``MAX_ARCHIVE_ENTRIES`` entries or ``MAX_ARCHIVE_BYTES`` of entry data.
"""
from __future__ import annotations

import os
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from msda_theory.io import check_allocation, gib, open_regular

from ._dataset import Dataset, check_counts, check_image_memory, check_labels, check_split, unit_float
from .safe_pickle import safe_unpickle


@dataclass(frozen=True)
class CifarLayout:
    """Where one CIFAR variant keeps its files and labels."""

    name: str
    title: str
    archive: str
    folder: str
    train: tuple[str, ...]
    test: tuple[str, ...]
    meta: str
    names_key: str
    label_key: str
    num_classes: int


CIFAR10 = CifarLayout(
    "cifar10", "CIFAR-10", "cifar-10-python.tar.gz", "cifar-10-batches-py",
    tuple(f"data_batch_{k}" for k in range(1, 6)), ("test_batch",),
    "batches.meta", "label_names", "labels", 10,
)
CIFAR100 = CifarLayout(
    "cifar100", "CIFAR-100", "cifar-100-python.tar.gz", "cifar-100-python",
    ("train",), ("test",), "meta", "fine_label_names", "fine_labels", 100,
)
_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"

MAX_ARCHIVE_ENTRIES = 64
"""The most tar entries read while looking for the CIFAR files (the real archives hold at most 10)."""
MAX_ARCHIVE_BYTES = 2**30
"""The most entry data (bytes) decompressed looking for the CIFAR files (the real archives hold about 0.17 GiB)."""


def _how_to_get(layout: CifarLayout) -> str:
    """The one-line hint on where to get a CIFAR archive."""
    return (
        f"download {layout.archive} (python version) from {_URL} "
        "and pass root=DIR holding it or its extracted folder"
    )


def _present(path: Path) -> bool:
    """Whether ``path`` exists and is no folder (a FIFO or device counts, and is refused when opened)."""
    return path.exists() and not path.is_dir()


def locate_cifar(layout: CifarLayout, root: str | os.PathLike | None) -> Path:
    """Return the archive or batch folder found from ``root``, or raise FileNotFoundError.

    Tried in order: ``root`` itself if it is a file (the archive), ``root/ARCHIVE``,
    ``root/FOLDER``, and ``root`` itself if it holds the first batch file.
    """
    if root is None:
        raise FileNotFoundError(f"{layout.title} has no default location; {_how_to_get(layout)}")
    root = Path(root)
    if _present(root):
        return root
    if _present(root / layout.archive):
        return root / layout.archive
    for folder in (root / layout.folder, root):
        if _present(folder / layout.train[0]) or _present(folder / layout.test[0]):
            return folder
    tried = ", ".join(map(str, (root / layout.archive, root / layout.folder, root / layout.train[0])))
    raise FileNotFoundError(f"{layout.title} not found (tried: {tried}); {_how_to_get(layout)}")


def _check_entry(path: Path, index: int, passed: int) -> None:
    """Refuse to read past entry ``index`` of an archive, or past ``passed`` bytes of entries, beyond the caps."""
    if index >= MAX_ARCHIVE_ENTRIES:
        raise ValueError(f"{path} holds more than {MAX_ARCHIVE_ENTRIES} entries before the CIFAR files "
                         "(the real archives hold at most 10); refusing to read further")
    if passed > MAX_ARCHIVE_BYTES:
        raise ValueError(f"{path} holds more than {gib(MAX_ARCHIVE_BYTES)} of entries before the CIFAR files "
                         "(the real archives hold about 0.17 GiB); refusing to decompress further")


def _read_archive(path: Path, members: list[str]) -> dict[str, bytes]:
    """Return the bytes of the wanted ``members`` of a tar archive, in one pass that stops once all are read.

    Entry headers are checked before their data are read or skipped: at most ``MAX_ARCHIVE_ENTRIES``
    entries and ``MAX_ARCHIVE_BYTES`` of entry data, and each wanted member, with the arrays
    unpickled from it, under the allocation cap.
    """
    wanted, found, passed = set(members), dict[str, bytes](), 0
    with open_regular(path) as handle:
        try:
            with tarfile.open(fileobj=handle, mode="r|*") as tar:
                for index, member in enumerate(tar):
                    passed += member.size
                    _check_entry(path, index, passed)
                    name = member.name.removeprefix("./")
                    if member.isfile() and name in wanted:
                        check_allocation(2 * member.size, f"member {name} of {path} and the arrays unpickled from it")
                        found[name] = tar.extractfile(member).read()  # type: ignore[union-attr]
                        if len(found) == len(wanted):
                            break
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"corrupt archive {path}: {' '.join(str(exc).split())}") from None
    return found


def _read_batch_file(path: Path) -> bytes:
    """The bytes of one batch file (a regular file only), after checking that it and its arrays fit the cap."""
    with open_regular(path) as handle:
        check_allocation(2 * os.fstat(handle.fileno()).st_size, f"{path} and the arrays unpickled from it")
        return handle.read()


def _read_files(source: Path, layout: CifarLayout, names: list[str]) -> dict[str, tuple[str, bytes]]:
    """Map each file name to (name for messages, bytes), from an archive or a folder."""
    if not source.is_dir():
        members = {name: f"{layout.folder}/{name}" for name in names}
        blobs = _read_archive(source, list(members.values()))
        return {n: (f"{source}:{m}", blobs[m]) for n, m in members.items() if m in blobs}
    return {n: (str(source / n), _read_batch_file(source / n)) for n in names if _present(source / n)}


def _entry(batch: Any, key: str, source: str) -> Any:
    """Return ``batch[key]``, trying the bytes key first (Python 2 pickles), then str."""
    if not isinstance(batch, dict):
        raise ValueError(f"bad CIFAR file {source}: expected a dict, got {type(batch).__name__}")
    for k in (key.encode(), key):
        if k in batch:
            return batch[k]
    raise ValueError(f"bad CIFAR file {source}: no {key!r} entry")


def parse_batch(batch: Any, layout: CifarLayout, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Check one unpickled batch and return images uint8 (N, 3, 32, 32) and labels int64 (N,)."""
    data = _entry(batch, "data", source)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"bad data in {source}: expected uint8 array (N, 3072), got {got}")
    stored = _entry(batch, layout.label_key, source)
    flat = isinstance(stored, np.ndarray) or (
        isinstance(stored, list) and all(isinstance(v, (int, float, np.generic)) for v in stored))
    if not flat:  # a nested list of shared (memoized) lists can expand far beyond the file's size
        raise ValueError(f"bad {layout.label_key} in {source}: expected a flat list of integers")
    labels = np.asarray(stored)
    if labels.ndim != 1 or (labels.size and labels.dtype.kind not in "iu"):
        raise ValueError(
            f"bad {layout.label_key} in {source}: expected a list of integers, got {labels.dtype} {labels.shape}"
        )
    check_counts(len(data), len(labels), source)
    labels = check_labels(labels.astype(np.int64), layout.num_classes, source)
    return data.reshape(-1, 3, 32, 32), labels


def parse_class_names(meta: Any, layout: CifarLayout, source: str) -> tuple[str, ...]:
    """Return the class names stored in the meta file, decoded to str."""
    stored = _entry(meta, layout.names_key, source)
    names = tuple(n.decode("utf-8") if isinstance(n, bytes) else str(n) for n in stored)
    if len(names) != layout.num_classes:
        raise ValueError(f"bad {layout.names_key} in {source}: {len(names)} names, expected {layout.num_classes}")
    return names


def load_cifar(layout: CifarLayout, root: str | os.PathLike | None, split: str = "train") -> Dataset:
    """Load a CIFAR split as ``x = data.reshape(N, 3, 32, 32) / 255`` with its labels.

    Args:
        layout: ``CIFAR10`` or ``CIFAR100``.
        root: the archive, a folder holding it or its extracted folder, or the
            extracted folder itself (required: there is no default location).
        split: ``"train"`` (50000 samples) or ``"test"`` (10000).
    """
    check_split(split)
    source = locate_cifar(layout, root)
    names = list(layout.train if split == "train" else layout.test)
    files = _read_files(source, layout, names + [layout.meta])
    missing = [n for n in names if n not in files]
    if missing:
        raise ValueError(f"{source} lacks {layout.title} file(s) {', '.join(missing)}")
    parts = [parse_batch(safe_unpickle(files[n][1], files[n][0]), layout, files[n][0]) for n in names]
    classes = None
    if layout.meta in files:
        where, blob = files[layout.meta]
        classes = parse_class_names(safe_unpickle(blob, where), layout, where)
    check_image_memory(sum(images.size for images, _ in parts), f"{layout.title} {split} split in {source}")
    return Dataset(
        x=unit_float(np.concatenate([images for images, _ in parts])),
        y=torch.from_numpy(np.concatenate([labels for _, labels in parts])),
        num_classes=layout.num_classes,
        name=layout.name,
        split=split,
        classes=classes,
    )
