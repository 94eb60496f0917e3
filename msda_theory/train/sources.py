"""A user's own data for training: a map-style ``Dataset`` is read once into tensors, a ``DataLoader`` is streamed.

Both yield (x, y) with x images (C, H, W) per item, batched to (B, C, H, W)
floating, and y integer class indices (B,) (docs/theory.md sections 4-5: the
empirical risk is an average over these samples).

- A map-style ``Dataset`` (``__len__`` and ``__getitem__`` returning (x, y)) is
  read in order, once, into tensors: the run is then seeded and fingerprinted
  exactly like a built-in data set, and ``subset`` / ``classes`` apply.
- A ``DataLoader`` is iterated afresh every epoch (its own sampler gives the
  order, its own transforms run on every pass): nothing is held in memory, so
  the data fingerprint of such a run is stated as unavailable.

The number of classes K is the data set's ``num_classes`` attribute, else
``len(classes)`` (torchvision's convention), else the largest label + 1.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor
from torch.utils.data import DataLoader

from msda_theory.data.items import check_batch, loader_batches, read_dataset

STREAMED = "unavailable (streamed from a DataLoader)"
"""The data fingerprint's sha256 of a run on a streaming loader."""


def is_loader(data: Any) -> bool:
    """True for a ``torch.utils.data.DataLoader`` (streamed every epoch)."""
    return isinstance(data, DataLoader)


def has_tensors(data: Any) -> bool:
    """True for the project's in-memory data sets (and anything else with tensors ``.x`` and ``.y``)."""
    return isinstance(getattr(data, "x", None), Tensor) and isinstance(getattr(data, "y", None), Tensor)


def first_batch(loader: Any, role: str) -> tuple[Tensor, Tensor]:
    """One batch of ``loader`` (under a forked torch generator): its image shape is the run's."""
    with torch.random.fork_rng(devices=[]):
        for batch in loader:
            return check_batch(batch, role)
    raise ValueError(f"{role}_data is empty (the DataLoader gave no batch)")


def declared_classes(data: Any) -> int | None:
    """K declared by a data set (or a loader's data set): ``num_classes``, else ``len(classes)``; None if neither."""
    source = data.dataset if is_loader(data) else data
    k = getattr(source, "num_classes", None)
    if isinstance(k, int) and not isinstance(k, bool):
        return k
    classes = getattr(source, "classes", None)
    if isinstance(classes, (list, tuple)) and classes:
        return len(classes)
    return None


def count_classes(data: Any, labels: list[Tensor]) -> int:
    """K of user data: declared (``declared_classes``), else max label + 1 over ``labels`` (or one pass of a loader)."""
    k = declared_classes(data)
    if k is not None:
        return k
    if not labels:
        with torch.random.fork_rng(devices=[]):
            labels = [y for _, y in loader_batches(data, "train")]
    top = max(int(y.max()) for y in labels if len(y))
    return top + 1


def loader_length(loader: Any) -> int | None:
    """Batches per epoch of a loader, or None when it has no length (an IterableDataset)."""
    try:
        return len(loader)
    except TypeError:
        return None


def sample_count(loader: Any) -> int | None:
    """Samples per epoch of a loader's data set, or None when it has no length."""
    try:
        return len(loader.dataset)
    except TypeError:
        return None


__all__ = ["STREAMED", "check_batch", "count_classes", "declared_classes", "first_batch", "has_tensors",
           "is_loader", "loader_batches", "loader_length", "read_dataset", "sample_count"]
