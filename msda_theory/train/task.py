"""The learning task of a run: the train and test tensors after class selection and subsetting.

The data come from ``msda_theory.data.load(config.data, root=config.root,
split=...)`` or from the caller: in-memory objects (anything with ``.x`` (N, C,
H, W) float, ``.y`` (N,) int64 and ``.num_classes``; the experiments build synthetic
tasks that way), a map-style ``Dataset`` of (x, y) (read once into tensors), or
a ``DataLoader`` (streamed every epoch; see ``data.items``). Derived tasks: ``config.classes`` keeps those
classes, relabelled 0..k-1 in the given order (e.g. Fashion-MNIST "class a vs
class b"), and ``config.binary`` trains a single logit on such a two-class task.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import torch

from msda_theory.data import items
from msda_theory.mix import refuse_non_finite
from msda_theory.train.config import TrainConfig


@dataclass(frozen=True)
class Task:
    """Tensors of one run: x (N, C, H, W) float, y (N,) int64 in 0..num_classes-1.

    ``outputs`` is the number of logits of the model: ``num_classes``, or 1 for a binary task.
    A streamed split has ``train_loader`` / ``test_loader`` (a DataLoader of (x, y)
    batches) instead of its tensors, which are then None; ``image_shape`` is its (C, H, W).
    """

    x_train: torch.Tensor | None
    y_train: torch.Tensor | None
    x_test: torch.Tensor | None
    y_test: torch.Tensor | None
    num_classes: int
    binary: bool
    train_loader: Any = None
    test_loader: Any = None
    image_shape: tuple[int, int, int] | None = None

    def to(self, device: torch.device | str) -> Task:
        """The same task with every tensor on ``device`` (training then indexes it there; loaders stay as they are)."""
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device)

        return replace(self, x_train=move(self.x_train), y_train=move(self.y_train), x_test=move(self.x_test),
                       y_test=move(self.y_test))

    @property
    def streamed(self) -> bool:
        """True when a split is streamed from a DataLoader (no tensors to fingerprint)."""
        return self.train_loader is not None or self.test_loader is not None

    @property
    def n_train(self) -> int | None:
        """Training samples per epoch (None for a loader without a length)."""
        return len(self.y_train) if self.y_train is not None else items.sample_count(self.train_loader)

    @property
    def n_test(self) -> int | None:
        """Test samples (None without a test split or for a loader without a length)."""
        if self.y_test is not None:
            return len(self.y_test)
        return None if self.test_loader is None else items.sample_count(self.test_loader)

    @property
    def in_shape(self) -> tuple[int, int, int]:
        """(C, H, W) of the images."""
        if self.image_shape is not None:
            return self.image_shape
        assert self.x_train is not None
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

    if config.data.startswith("custom:"):
        raise ValueError(f"config.data {config.data!r} names a user's data set: pass it as train_data")
    return data.load(config.data, root=config.root, split=split)


def _split(data: Any, role: str) -> tuple[torch.Tensor | None, torch.Tensor | None, int | None]:
    """(x, y, declared K) of one split: tensors of in-memory data or a read Dataset; (None, None, K) for a loader."""
    if items.is_loader(data):
        return None, None, items.declared_classes(data)
    if items.has_tensors(data):
        return _tensors(data, role)
    x, y = items.read_dataset(data, role)
    return x, y, items.declared_classes(data)


def _streamed_task(config: TrainConfig, train_set: Any, test_set: Any) -> Task:
    """A task whose training split is a DataLoader (test: a loader or tensors); no subset or class selection."""
    if config.subset is not None or config.test_subset is not None or config.classes is not None:
        raise ValueError("subset, test_subset and classes apply to tensors or a map-style Dataset, not to a "
                         "DataLoader: select in the loader's data set instead")
    x_first, _ = items.first_batch(train_set, "train")
    x_test, y_test, _ = (None, None, None) if test_set is None else _split(test_set, "test")
    if x_test is not None:
        refuse_non_finite(x_test, "x (test set)")
    k = items.count_classes(train_set, [])  # declared, else one pass over the loader's labels
    test_loader = test_set if items.is_loader(test_set) else None
    return Task(None, None, x_test, y_test, k, config.binary, train_loader=train_set, test_loader=test_loader,
                image_shape=tuple(int(v) for v in x_first.shape[1:]))  # type: ignore[arg-type]


def prepare_task(config: TrainConfig, train_set: Any = None, test_set: Any = None) -> Task:
    """The run's tensors: load (unless given), select classes, check binary, draw subsets with ``data_seed``,
    refuse images holding NaN or +-inf (one sum per split).

    ``train_set`` / ``test_set``: in-memory data (``.x``, ``.y``, ``.num_classes``), a map-style
    Dataset of (x, y) or a DataLoader (see the module docstring); None loads ``config.data``.
    """
    if train_set is None:
        train_set, test_set = _load(config, "train"), _load(config, "test")
    if items.is_loader(train_set):
        task = _streamed_task(config, train_set, test_set)
        if config.binary and task.num_classes != 2:
            raise ValueError(f"binary needs a two-class task, got {task.num_classes} classes")
        return task
    x, y, k_train = _split(train_set, "train")
    assert x is not None and y is not None
    x_test = y_test = test_loader = None
    k_test = None
    if test_set is not None:
        x_test, y_test, k_test = _split(test_set, "test")
        test_loader = test_set if items.is_loader(test_set) else None
    k = k_train or k_test or (max(int(y.max()), -1 if y_test is None else int(y_test.max())) + 1)
    if x_test is not None and y_test is not None and (k_test not in (None, k) or x_test.shape[1:] != x.shape[1:]):
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
    refuse_non_finite(x, "x (training set)")  # once per data set (the loop mixes with check_finite=False)
    if x_test is not None:
        refuse_non_finite(x_test, "x (test set)")
    return Task(x, y, x_test, y_test, k, config.binary, test_loader=test_loader)


__all__ = ["Task", "draw_subset", "prepare_task", "select_classes"]
