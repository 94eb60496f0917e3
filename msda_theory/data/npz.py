"""User data sets stored as ``.npz`` arrays (the ``npz:PATH`` name).

The file holds ``x``, images (N, H, W) or (N, C, H, W), and ``y``, integer
labels (N,) >= 0; optionally ``x_test`` and ``y_test`` for ``split="test"``.
Only a regular file is opened (a FIFO or device is refused).
uint8 pixels are divided by 255; float pixels must already lie in [0, 1].
``num_classes = 1 + max`` over every label array in the file, so both splits
agree. Read with ``allow_pickle=False``: the file cannot run code. Every
array header is read first, and the arrays a split reads plus the loader's
float32 copy of the images and int64 copy of the labels are checked together
against the allocation cap (``msda_theory.io.MAX_ALLOC_BYTES``) before any
array is loaded.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from msda_theory.io import AllocationError, check_allocation, open_regular

from ._dataset import Dataset, check_counts, check_labels, check_num_classes, check_split, unit_float

_KEYS = {"train": ("x", "y"), "test": ("x_test", "y_test")}


def _header(archive: zipfile.ZipFile, member: str) -> tuple[tuple[int, ...], np.dtype]:
    """(shape, dtype) from the .npy header of one archive member, without reading its data."""
    with archive.open(member) as handle:
        version = np.lib.format.read_magic(handle)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = read(handle)
    return shape, dtype


def _wanted(split: str) -> dict[str, int]:
    """The arrays a split reads, each with the bytes per value of the copy the loader makes of it."""
    x_key, y_key = _KEYS[split]
    return {x_key: 4, y_key: 8, **{key: 0 for key in ("y", "y_test") if key != y_key}}  # float32 x, int64 y


def check_headers(archive: zipfile.ZipFile, path: Path, split: str) -> None:
    """Refuse an npz whose arrays for ``split`` claim more memory than the cap, from their .npy headers.

    Counted together: every array the split reads (images, both label arrays) and the copies
    the loader makes (float32 images, int64 labels).
    """
    wanted, total, parts = _wanted(split), 0, []
    for member in archive.namelist():
        key = member.removesuffix(".npy")
        if key in wanted:
            shape, dtype = _header(archive, member)
            count = int(np.prod(shape, dtype=object))
            total += count * (dtype.itemsize + wanted[key])
            parts.append(f"{key} {shape} {dtype}")
    check_allocation(total, f"the arrays {', '.join(parts)} of {path} with their float32/int64 copies")


def _read_arrays(path: Path, split: str) -> tuple[dict[str, np.ndarray], list[str]]:
    """The arrays of the npz archive ``path`` that ``split`` reads (no pickles), and the names of all its arrays."""
    if not path.exists():
        raise FileNotFoundError(
            f"npz data set not found (tried: {path}); pass npz:PATH naming a .npz file "
            "with arrays x (N, H, W) or (N, C, H, W) and y (N,)"
        )
    with open_regular(path) as handle:
        if not zipfile.is_zipfile(handle):
            handle.seek(0)
            npy = handle.read(6) == b"\x93NUMPY"
            what = "it holds a single array, not an npz archive of x and y" if npy else "it is not an npz (zip) archive"
            raise ValueError(f"cannot read npz file {path}: {what}")
        try:
            with zipfile.ZipFile(handle) as archive:
                check_headers(archive, path, split)
            handle.seek(0)
            with np.load(handle, allow_pickle=False) as loaded:
                names = list(loaded.files)
                return {key: loaded[key] for key in names if key in _wanted(split)}, names
        except AllocationError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"cannot read npz file {path}: {' '.join(str(exc).split())}") from None


def _check_float_pixels(x: np.ndarray, source: str) -> None:
    """Refuse float pixels that are NaN or inf (naming how many and the first index) or outside [0, 1]."""
    if x.size and not np.isfinite(x).all():
        bad = ~np.isfinite(x)
        first = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
        count = int(bad.sum())
        raise ValueError(f"{source} holds {count} non-finite value{'s' if count != 1 else ''} (NaN or inf); "
                         f"first at index {first}")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError(
            f"{source} has values outside [0, 1] (min {x.min():g}, max {x.max():g}); "
            "rescale it or store uint8"
        )


def _images(x: np.ndarray, source: str) -> torch.Tensor:
    """Return ``x`` as float32 (N, C, H, W) in [0, 1]: uint8 / 255, float as is."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{source} must have shape (N, H, W) or (N, C, H, W), got {x.shape}")
    if x.dtype != np.uint8 and x.dtype.kind != "f":
        raise ValueError(f"{source} must be uint8 or float, got {x.dtype}")
    if x.dtype.kind == "f":
        _check_float_pixels(x, source)  # indices in the stored shape
    if x.ndim == 3:
        x = x[:, None]  # (N, H, W) -> (N, 1, H, W)
    return unit_float(x) if x.dtype == np.uint8 else torch.from_numpy(x.astype(np.float32))


def _count_classes(arrays: dict[str, np.ndarray], path: Path) -> int:
    """Return ``1 + max`` over the integer label arrays ``y`` and ``y_test`` present."""
    maxima = [
        int(arrays[key].max()) for key in ("y", "y_test")
        if key in arrays and arrays[key].size and arrays[key].dtype.kind in "iu"
    ]
    if not maxima:
        raise ValueError(f"npz file {path} holds no integer labels")
    return check_num_classes(1 + max(maxima), f"npz file {path}")


def load_npz(path: str | os.PathLike, split: str = "train") -> Dataset:
    """Load ``x``/``y`` (train) or ``x_test``/``y_test`` (test) from an npz file.

    Args:
        path: the ``.npz`` file.
        split: ``"train"`` reads ``x`` and ``y``; ``"test"`` reads ``x_test``
            and ``y_test`` and is an error where the file lacks them.
    """
    check_split(split)
    path = Path(path)
    arrays, names = _read_arrays(path, split)
    x_key, y_key = _KEYS[split]
    for key in (x_key, y_key):
        if key not in arrays:
            held = ", ".join(sorted(names)) or "nothing"
            raise ValueError(f"npz file {path} has no {key!r} array (it holds: {held})")
    y = arrays[y_key]
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(f"{y_key} in {path} must be integer labels (N,), got {y.dtype} {y.shape}")
    if len(y) == 0:
        raise ValueError(f"npz file {path} holds no samples in {y_key!r}")
    x = _images(arrays[x_key], f"{x_key} in {path}")
    check_counts(len(x), len(y), f"npz file {path}")
    num_classes = _count_classes(arrays, path)
    labels = check_labels(y, num_classes, f"{y_key} in {path}")
    return Dataset(
        x=x, y=torch.from_numpy(labels), num_classes=num_classes,
        name=f"npz:{path}", split=split, classes=None,
    )
