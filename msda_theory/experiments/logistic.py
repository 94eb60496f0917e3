"""Zhang et al.'s model class for Theorem 3.1: logistic regression f(x) = θᵀx on centred data.

docs/theory.md section 8. ``binary_task`` keeps two classes of a data set and centres
the images by the training mean (the theorem assumes centred data; mixing
commutes with centring because M ⊙ x_i + (1 − M) ⊙ x_j − μ = M ⊙ (x_i − μ) +
(1 − M) ⊙ (x_j − μ)). ``train_logistic`` fits θ without a bias (the theorem's
f has none) by mini-batch Adam on the MSDA loss

    l(x~, y~) = log(1 + e^{θᵀx~}) − y~ θᵀx~,   y~ = λ y_i + (1 − λ) y_j ∈ [0, 1],

through the library's one training epoch (``train.loop.train_epoch``, the step ``fit`` runs: mixing,
soft-label BCE, Adam, learning-rate schedule). ``fit`` itself builds its models by name, and every
named model has a bias, so the bias-free θ runs through ``train_epoch`` directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from msda_theory.train import TrainConfig
from msda_theory.train.loop import make_optimizer, train_epoch
from msda_theory.train.task import Task


@dataclass(frozen=True)
class BinaryTask:
    """Centred images x (n, C, H, W) float64, labels y (n,) in {0., 1.}; test likewise; the training mean μ."""

    x: torch.Tensor
    y: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: torch.Tensor
    classes: tuple[int, int]


def _two_classes(x: torch.Tensor, y: torch.Tensor, classes: tuple[int, int], n: int | None,
                 generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    keep = (y == classes[0]) | (y == classes[1])
    x, y = x[keep], (y[keep] == classes[1]).to(torch.float64)
    if n is not None and n < len(y):
        index = torch.randperm(len(y), generator=generator)[:n]
        x, y = x[index], y[index]
    return x.to(torch.float64), y


def binary_task(data: str = "fashion-mnist", classes: tuple[int, int] = (2, 4), *, n_train: int | None = None,
                n_test: int | None = None, root: str | None = None,
                generator: torch.Generator | None = None) -> BinaryTask:
    """Classes (a, b) of ``data`` as a binary task (label 1 for b), centred by the training mean.

    Fashion-MNIST (2, 4) is Pullover vs Coat. ``n_train``/``n_test`` draw subsets.
    """
    from msda_theory import data as datasets

    if len(classes) != 2 or classes[0] == classes[1]:
        raise ValueError(f"classes must be two distinct class indices, got {classes!r}")
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    train, test = datasets.load(data, root, "train"), datasets.load(data, root, "test")
    x, y = _two_classes(train.x, train.y, classes, n_train, g)
    xt, yt = _two_classes(test.x, test.y, classes, n_test, g)
    mean = x.mean(0)
    return BinaryTask(x - mean, y, xt - mean, yt, mean, (int(classes[0]), int(classes[1])))


class Logistic(nn.Module):
    """f(x) = θᵀ vec(x), no bias, θ (d,) float64 starting at 0 (the loss is convex)."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.zeros(d, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x.flatten(1) @ self.theta)[:, None]  # (B, 1): one logit


def train_logistic(x: torch.Tensor, y: torch.Tensor, strategy: str | None, *, epochs: int = 10,
                   batch_size: int = 128, lr: float = 1e-2, generator: torch.Generator | None = None) -> torch.Tensor:
    """θ (d,) float64 minimizing the (MSDA, unless ``strategy`` is None or 'none') logistic loss of
    f(x) = θᵀ vec(x); no bias.

    Args:
        x: centred images (n, C, H, W); y: labels (n,) in {0, 1}.
        strategy: a mask family name at its default parameters (one mask per image, random partners),
            or None / 'none' for vanilla training.
        generator: data order and masks (one stream for both).
    """
    if x.ndim != 4 or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, C, H, W) and y (n,), got {tuple(x.shape)} and {tuple(y.shape)}")
    if strategy is not None and not isinstance(strategy, str):
        raise ValueError(f"strategy must be a mask family name or None, got {type(strategy).__name__}")
    config = TrainConfig(data="in-memory", model="linear", strategy=strategy or "none", mode="elem", pairing="perm",
                         optimizer="adam", lr=lr, weight_decay=0.0, schedule="constant", epochs=epochs,
                         batch_size=batch_size, binary=True)
    task = Task(x.to(torch.float64), y.long(), None, None, num_classes=2, binary=True)
    model = Logistic(x[0].numel())
    optimizer = make_optimizer(config, model)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    for epoch in range(epochs):
        train_epoch(model, optimizer, task, config, epoch=epoch, order_generator=g, mix_generator=g)
    return model.theta.detach()


def accuracy(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of sign(θᵀx) = (2y − 1)."""
    return float(((x.flatten(1) @ theta > 0).to(torch.float64) == y).to(torch.float64).mean())
