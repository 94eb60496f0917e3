"""(x, y) samples of a user's data: checked batches of a DataLoader, or every item of a map-style Dataset.

A batch is x (B, C, H, W) floating and y (B,) integer class indices; a
Dataset item is (x (C, H, W), label). Used by training (``train.sources``)
and by ``decompose`` for anchors given as a loader or Dataset.
"""
from __future__ import annotations

from typing import Any, Iterator

import torch
from torch import Tensor
from torch.utils.data import DataLoader


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


def loader_batches(loader: Any, role: str) -> Iterator[tuple[Tensor, Tensor]]:
    """The checked (x, y) batches of one pass over ``loader``."""
    for batch in loader:
        yield check_batch(batch, role)


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
        batches = list(loader_batches(DataLoader(dataset, batch_size=batch_size), role))
    return torch.cat([x for x, _ in batches]).float(), torch.cat([y for _, y in batches])


def read_all(data: Any, role: str) -> tuple[Tensor, Tensor]:
    """Every sample of a DataLoader (one pass, in its order) or a map-style Dataset (index order), concatenated:
    x (N, C, H, W) float32, y (N,) int64."""
    if not isinstance(data, DataLoader):
        return read_dataset(data, role)
    with torch.random.fork_rng(devices=[]):
        batches = list(loader_batches(data, role))
    if not batches:
        raise ValueError(f"{role} is empty (the DataLoader gave no batch)")
    return torch.cat([x for x, _ in batches]).float(), torch.cat([y for _, y in batches])


__all__ = ["check_batch", "loader_batches", "read_all", "read_dataset"]
