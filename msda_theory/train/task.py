"""The learning task of a run: the train and test tensors after class selection and subsetting.

The data come from ``msda_theory.data.load(config.data, root=config.root,
split=...)`` or from in-memory objects passed by the caller (anything with
``.x`` (N, C, H, W) float, ``.y`` (N,) int64 and ``.num_classes``); the probes
build synthetic tasks that way. Derived tasks: ``config.classes`` keeps those
classes, relabelled 0..k-1 in the given order (e.g. Fashion-MNIST "class a vs
class b"), and ``config.binary`` trains a single logit on such a two-class task.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from msda_theory.train.config import TrainConfig


@dataclass(frozen=True)
class Task:
    """Tensors of one run: x (N, C, H, W) float, y (N,) int64 in 0..num_classes-1.

    ``outputs`` is the number of logits of the model: ``num_classes``, or 1 for a binary task.
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor | None
    y_test: torch.Tensor | None
    num_classes: int
    binary: bool

    def to(self, device: torch.device | str) -> Task:
        """The same task with every tensor on ``device`` (training then indexes it there)."""
        x_test = None if self.x_test is None else self.x_test.to(device)
        y_test = None if self.y_test is None else self.y_test.to(device)
        return Task(self.x_train.to(device), self.y_train.to(device), x_test, y_test, self.num_classes, self.binary)

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the images."""
        c, h, w = self.x_train.shape[1:]
        return int(c), int(h), int(w)

    @property
    def outputs(self) -> int:
        """Number of model logits: 1 for a binary task, else ``num_classes``."""
        return 1 if self.binary else self.num_classes


def _tensors(data: Any, role: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    x, y, k = getattr(data, "x", None), getattr(data, "y", None), getattr(data, "num_classes", None)
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or not x.is_floating_point():
        raise ValueError(f"{role} set x must be a floating tensor (N, C, H, W), got {getattr(x, 'shape', type(x))}")
    if not isinstance(y, torch.Tensor) or y.ndim != 1 or y.is_floating_point() or len(y) != len(x):
        raise ValueError(f"{role} set y must be an integer tensor (N,) with one label per image")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{role} set num_classes must be a positive integer, got {k!r}")
    return x.float(), y.long(), k


def select_classes(x: torch.Tensor, y: torch.Tensor, classes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the samples whose label is in ``classes``; label classes[i] becomes i."""
    relabel = torch.full((int(max(int(y.max()) if len(y) else 0, *classes)) + 1,), -1, dtype=torch.long)
    relabel[torch.tensor(classes)] = torch.arange(len(classes))
    new = relabel[y]
    keep = new >= 0
    return x[keep], new[keep]


def draw_subset(x: torch.Tensor, y: torch.Tensor, n: int | None, *, generator: torch.Generator,
                role: str) -> tuple[torch.Tensor, torch.Tensor]:
    """n samples without replacement, indices randperm(N)[:n] (as ``Dataset.subset``); all if n is None."""
    if n is None:
        return x, y
    if n > len(y):
        raise ValueError(f"{role}_subset={n} exceeds the {len(y)} {role} samples" if role == "test"
                         else f"subset={n} exceeds the {len(y)} training samples")
    index = torch.randperm(len(y), generator=generator)[:n]
    return x[index], y[index]


def _load(config: TrainConfig, split: str) -> Any:
    from msda_theory import data  # imported late: the data package is optional for in-memory tasks

    return data.load(config.data, root=config.root, split=split)


def prepare_task(config: TrainConfig, train_set: Any = None, test_set: Any = None) -> Task:
    """The run's tensors: load (unless given), select classes, check binary, draw subsets with ``data_seed``."""
    if train_set is None:
        train_set, test_set = _load(config, "train"), _load(config, "test")
    x, y, k = _tensors(train_set, "train")
    x_test = y_test = None
    if test_set is not None:
        x_test, y_test, k_test = _tensors(test_set, "test")
        if k_test != k or x_test.shape[1:] != x.shape[1:]:
            raise ValueError("train and test sets differ in num_classes or image shape")
    if config.classes is not None:
        if max(config.classes) >= k:
            raise ValueError(f"classes {config.classes} out of range for a data set with {k} classes")
        x, y = select_classes(x, y, config.classes)
        if x_test is not None and y_test is not None:
            x_test, y_test = select_classes(x_test, y_test, config.classes)
        k = len(config.classes)
    if config.binary and k != 2:
        raise ValueError(f"binary needs a two-class task, got {k} classes (pass classes=(a, b))")
    gen = torch.Generator().manual_seed(config.data_seed)
    x, y = draw_subset(x, y, config.subset, generator=gen, role="train")
    if x_test is not None and y_test is not None:
        x_test, y_test = draw_subset(x_test, y_test, config.test_subset, generator=gen, role="test")
    if len(y) == 0:
        raise ValueError("the training set is empty")
    return Task(x, y, x_test, y_test, k, config.binary)


__all__ = ["Task", "draw_subset", "prepare_task", "select_classes"]
