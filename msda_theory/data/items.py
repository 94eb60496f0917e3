"""(x, y) batches of a user's data: tensors, a DataLoader or a map-style Dataset; checked, cut, read whole, counted.

A batch is x (B, C, H, W) floating and y (B,) integer class indices; a
Dataset item is (x (C, H, W), label). The one home of batching for training
(a Dataset read once into tensors, a DataLoader streamed every epoch),
``decompose`` (anchors given as a loader or Dataset) and ``evaluate_robustness``
(the first n samples, batch by batch). The number of classes K is the data
set's ``num_classes`` attribute, else ``len(classes)`` (torchvision's
convention), else the largest label + 1.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset


def check_batch(batch: Any, role: str) -> tuple[Tensor, Tensor]:
    """(x (B, C, H, W) floating, y (B,) int64) of one batch, or a ValueError naming what was wrong."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError(f"{role} data must give (x, y) pairs, got {type(batch).__name__}")
    x, y = batch
    if not isinstance(x, Tensor) or x.dim() != 4 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{role} images must be floating tensors (C, H, W), batched to (B, C, H, W); got {shape}")
    y = torch.as_tensor(y)
    if y.dim() != 1 or y.is_floating_point() or len(y) != len(x):
        raise ValueError(f"{role} labels must be integer class indices, one per image; got {y.dtype} "
                         f"{tuple(y.shape)} for {len(x)} images")
    return x, y.long()


def loader_batches(loader: Iterable[Any], role: str) -> Iterator[tuple[Tensor, Tensor]]:
    """The checked (x, y) batches of one pass over ``loader``."""
    for batch in loader:
        yield check_batch(batch, role)


def first_samples(pairs: Iterable[tuple[Tensor, Tensor]], n: int | None) -> Iterator[tuple[Tensor, Tensor]]:
    """The non-empty (x, y) batches of ``pairs`` up to the first n samples (the last one cut; all when None)."""
    seen = 0
    for x, y in pairs:
        if n is not None and seen + len(x) > n:
            x, y = x[:n - seen], y[:n - seen]
        seen += len(x)
        if len(x):
            yield x, y
        if n is not None and seen >= n:
            return


def batches(data: Any, y: Tensor | None, n: int | None, batch_size: int) -> tuple[Iterable[Any], int | None]:
    """(the (x, y) batches of the first n samples, their number when known) of tensors x (N, ...) with y (N,),
    a DataLoader (its own batches) or any iterable of (x, y) batches, or a Dataset (``batch_size`` per batch)."""
    if isinstance(data, Tensor):
        if y is None:
            raise ValueError("y is required when x is a tensor")
        total = data.shape[0]
        if n is not None and n > total:
            raise ValueError(f"n must be an integer in 1..{total}, got {n!r}")
        n = total if n is None else n
        stops = [(s, min(s + batch_size, n)) for s in range(0, n, batch_size)]
        return ((data[a:b], y[a:b]) for a, b in stops), n
    if y is not None:
        raise ValueError("y must be None when the data are a DataLoader or Dataset (they carry the labels)")
    if isinstance(data, Dataset) and not is_loader(data):
        data = DataLoader(data, batch_size=batch_size)
    if not isinstance(data, Iterable):
        raise ValueError(f"data must be tensors, a DataLoader or a Dataset of (x, y), got {type(data).__name__}")
    total = sample_count(data) if is_loader(data) else None
    return first_samples(loader_batches(data, "evaluation"), n), (total if n is None or total is None else min(n, total))


def first_batch(loader: Any, role: str) -> tuple[Tensor, Tensor]:
    """One batch of ``loader`` (under a forked torch generator): its image shape is the run's."""
    with torch.random.fork_rng(devices=[]):
        for batch in loader:
            return check_batch(batch, role)
    raise ValueError(f"{role}_data is empty (the DataLoader gave no batch)")


def read_dataset(dataset: Any, role: str, *, batch_size: int = 256) -> tuple[Tensor, Tensor]:
    """All items of a map-style Dataset, in index order: x (N, C, H, W) float32, y (N,) int64.

    Random transforms of the data set run once, under a forked torch generator (the caller's global state is kept).
    """
    if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
        raise ValueError(f"{role}_data must be a map-style Dataset (__len__ and __getitem__) or a DataLoader, "
                         f"got {type(dataset).__name__}")
    if len(dataset) == 0:
        raise ValueError(f"{role}_data is empty")
    with torch.random.fork_rng(devices=[]):
        parts = list(loader_batches(DataLoader(dataset, batch_size=batch_size), role))
    return torch.cat([x for x, _ in parts]).float(), torch.cat([y for _, y in parts])


def read_all(data: Any, role: str) -> tuple[Tensor, Tensor]:
    """Every sample of a DataLoader (one pass, in its order) or a map-style Dataset (index order), concatenated:
    x (N, C, H, W) float32, y (N,) int64."""
    if not is_loader(data):
        return read_dataset(data, role)
    with torch.random.fork_rng(devices=[]):
        parts = list(loader_batches(data, role))
    if not parts:
        raise ValueError(f"{role} is empty (the DataLoader gave no batch)")
    return torch.cat([x for x, _ in parts]).float(), torch.cat([y for _, y in parts])


def is_loader(data: Any) -> bool:
    """True for a ``torch.utils.data.DataLoader`` (streamed every epoch)."""
    return isinstance(data, DataLoader)


def has_tensors(data: Any) -> bool:
    """True for the project's in-memory data sets (and anything else with tensors ``.x`` and ``.y``)."""
    return isinstance(getattr(data, "x", None), Tensor) and isinstance(getattr(data, "y", None), Tensor)


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
    return max(int(y.max()) for y in labels if len(y)) + 1


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


__all__ = ["batches", "check_batch", "count_classes", "declared_classes", "first_batch", "first_samples",
           "has_tensors", "is_loader", "loader_batches", "loader_length", "read_all", "read_dataset", "sample_count"]
