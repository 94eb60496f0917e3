"""Load a data set by name: ``digits``, ``fashion-mnist``, ``cifar10``, ``cifar100`` or ``npz:PATH``."""
from __future__ import annotations

import os
from pathlib import Path

from ._dataset import Dataset, check_split
from .bundled import load_digits
from .cifar import CIFAR10, CIFAR100, load_cifar, locate_cifar
from .idx import fashion_mnist_available, load_fashion_mnist
from .npz import load_npz

DATASETS = ("digits", "fashion-mnist", "cifar10", "cifar100")
"""The named data sets; ``npz:PATH`` loads user arrays besides. ``digits`` is the default."""

NPZ_PREFIX = "npz:"
_CIFAR = {"cifar10": CIFAR10, "cifar100": CIFAR100}


def _check_name(name: str) -> str:
    """Validate a data set name: one of ``DATASETS`` or ``npz:PATH``."""
    if not isinstance(name, str) or not (name in DATASETS or (name.startswith(NPZ_PREFIX) and name[4:])):
        raise ValueError(f"unknown data set {name!r}; valid: {', '.join(DATASETS)}, npz:PATH")
    return name


def load(name: str, root: str | os.PathLike | None = None, split: str = "train") -> Dataset:
    """Load split ``split`` of data set ``name`` as images (N, C, H, W) in [0, 1] and labels (N,).

    Args:
        name: ``"digits"`` (scikit-learn 8x8, fixed 1500/297 split),
            ``"fashion-mnist"`` (IDX files in ``root``, default
            ``/usr/share/datasets/fashion-mnist``), ``"cifar10"`` /
            ``"cifar100"`` (python-version archive or folder in ``root``,
            required), or ``"npz:PATH"`` (user arrays; ``root`` is ignored).
        root: where the files are; ignored by ``digits`` and ``npz:PATH``.
        split: ``"train"`` or ``"test"``.

    Raises:
        ValueError: unknown name, bad split, or a corrupt file (the message
            names the file and the fault).
        FileNotFoundError: the files are missing; the message lists the paths
            tried and how to get the data.
    """
    _check_name(name)
    check_split(split)
    if name == "digits":
        return load_digits(split)
    if name == "fashion-mnist":
        return load_fashion_mnist(root, split)
    if name in _CIFAR:
        return load_cifar(_CIFAR[name], root, split)
    return load_npz(name[len(NPZ_PREFIX):], split)


def available(name: str, root: str | os.PathLike | None = None) -> bool:
    """Whether the files of ``name`` exist (a cheap check; contents are not read).

    ``digits`` is always available. Raises ValueError for an unknown name,
    so that a typo is not mistaken for missing data.
    """
    _check_name(name)
    if name == "digits":
        return True
    if name == "fashion-mnist":
        return fashion_mnist_available(root)
    if name in _CIFAR:
        try:
            locate_cifar(_CIFAR[name], root)
        except FileNotFoundError:
            return False
        return True
    return Path(name[len(NPZ_PREFIX):]).is_file()
