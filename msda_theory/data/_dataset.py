"""The in-memory image data set every loader returns, and the checks loaders share.

A :class:`Dataset` holds images ``x`` of shape (N, C, H, W), float32 in [0, 1],
and integer labels ``y`` of shape (N,) in ``0 .. num_classes - 1``. It is the
input of the training and probing code (docs/theory.md sections 4-5: the empirical
risk is an average over these N samples).

Loaders check what a file asks for before allocating it: arrays against
``msda_theory.io.MAX_ALLOC_BYTES`` (with the estimated memory in the message)
and class counts against ``MAX_CLASSES``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch

from msda_theory.io import check_allocation

SPLITS = ("train", "test")

MAX_CLASSES = 10_000
"""The most classes a data set may have: a label of 10^9 would make a model's
output layer (and every one-hot target) need terabytes."""


def check_split(split: str) -> str:
    """Validate a split name: ``"train"`` or ``"test"``."""
    if split not in SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    return split


def unit_float(images: np.ndarray) -> torch.Tensor:
    """Return ``images / 255`` as a new float32 tensor, for uint8 pixels of any shape."""
    return torch.from_numpy(np.divide(images, np.float32(255), dtype=np.float32))


def check_num_classes(num_classes: int, source: str) -> int:
    """Refuse more than ``MAX_CLASSES`` classes (the memory of a 256-wide output layer is in the message)."""
    if num_classes > MAX_CLASSES:
        raise ValueError(
            f"{source} implies {num_classes} classes (largest label {num_classes - 1}), over the cap of "
            f"{MAX_CLASSES} (msda_theory.data.MAX_CLASSES); an output layer alone would need about "
            f"{256 * 4 * num_classes / 2**30:.3g} GiB"
        )
    return num_classes


def check_image_memory(count: int, source: str) -> None:
    """Refuse ``count`` uint8 pixel values whose bytes and float32 copy together (5 bytes each) exceed the cap."""
    check_allocation(5 * count, f"{source} ({count:,} pixel values: the stored array and its float32 copy)")


def check_label_memory(count: int, source: str) -> None:
    """Refuse ``count`` uint8 labels whose bytes and int64 copy together (9 bytes each) exceed the cap."""
    check_allocation(9 * count, f"{source} ({count:,} labels: the stored array and its int64 copy)")


def check_labels(labels: np.ndarray, num_classes: int, source: str) -> np.ndarray:
    """Check ``0 <= labels < num_classes`` and return them as int64 (N,)."""
    labels = np.asarray(labels)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        bad = labels[(labels < 0) | (labels >= num_classes)][0]
        raise ValueError(
            f"label {int(bad)} out of range in {source} (expected 0..{num_classes - 1})"
        )
    return labels.astype(np.int64, copy=False)


def check_counts(n_images: int, n_labels: int, source: str) -> None:
    """Check that a data set has as many labels as images."""
    if n_images != n_labels:
        raise ValueError(f"{source} holds {n_images} images but {n_labels} labels")


@dataclass(frozen=True, eq=False)
class Dataset(torch.utils.data.Dataset):
    """Images ``x`` (N, C, H, W) float32 in [0, 1] with labels ``y`` (N,) int64.

    A map-style ``torch.utils.data.Dataset``: ``ds[i]`` is ``(x[i] (C, H, W), y[i] ())``, so
    ``DataLoader(ds, batch_size=B)`` gives (B, C, H, W) and (B,) batches; ``.x`` and ``.y`` stay the tensors.

    Attributes:
        x: images, (N, C, H, W), float32, values in [0, 1].
        y: labels, (N,), int64, values in ``0 .. num_classes - 1``.
        num_classes: number of classes K.
        name: the name it was loaded by (``"digits"``, ``"npz:PATH"``, ...).
        split: ``"train"`` or ``"test"``.
        classes: the K class names, or None where the source has none.
    """

    x: torch.Tensor
    y: torch.Tensor
    num_classes: int
    name: str
    split: str
    classes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.x.dtype != torch.float32 or self.x.dim() != 4:
            raise ValueError(
                f"x must be a float32 tensor (N, C, H, W), got {self.x.dtype} "
                f"with shape {tuple(self.x.shape)}"
            )
        if self.y.dtype != torch.int64 or self.y.dim() != 1:
            raise ValueError(
                f"y must be an int64 tensor (N,), got {self.y.dtype} with shape {tuple(self.y.shape)}"
            )
        check_counts(len(self.x), len(self.y), f"data set {self.name!r}")
        if min(self.x.shape[1:]) < 1:
            raise ValueError(f"images of data set {self.name!r} must have C, H, W >= 1, got shape "
                             f"{tuple(self.x.shape[1:])}")
        if self.classes is not None and len(self.classes) != self.num_classes:
            raise ValueError(
                f"classes has {len(self.classes)} names but num_classes is {self.num_classes}"
            )

    def __len__(self) -> int:
        """Number of samples N."""
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Sample ``index``: (image (C, H, W) float32, label () int64)."""
        return self.x[index], self.y[index]

    def __repr__(self) -> str:
        shape = tuple(self.x.shape[1:])
        return (
            f"Dataset(name={self.name!r}, split={self.split!r}, n={len(self)}, "
            f"image_shape={shape}, num_classes={self.num_classes})"
        )

    def subset(self, n: int, *, generator: torch.Generator | None = None) -> Dataset:
        """Return n samples drawn without replacement: indices ``randperm(N)[:n]``.

        The samples come in the drawn (random) order; the same generator state
        gives the same subset. No global random state is used or changed
        beyond torch's default generator when ``generator`` is None.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= len(self):
            raise ValueError(f"n must be an integer in 0..{len(self)}, got {n!r}")
        index = torch.randperm(len(self), generator=generator)[: int(n)]
        return replace(self, x=self.x[index], y=self.y[index])
