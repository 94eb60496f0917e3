"""Zhang et al.'s model class for Theorem 3.1: logistic regression f(x) = θᵀx on centred data.

Theory.md section 8. ``binary_task`` keeps two classes of a data set and centres
the images by the training mean (the theorem assumes centred data; mixing
commutes with centring because M ⊙ x_i + (1 − M) ⊙ x_j − μ = M ⊙ (x_i − μ) +
(1 − M) ⊙ (x_j − μ)). ``train_logistic`` fits θ without a bias (the theorem's
f has none) by mini-batch Adam on the MSDA loss

    l(x~, y~) = log(1 + e^{θᵀx~}) − y~ θᵀx~,   y~ = λ y_i + (1 − λ) y_j ∈ [0, 1].
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from msda_theory.masks import MaskSampler
from msda_theory.mix import mix


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


def train_logistic(x: torch.Tensor, y: torch.Tensor, sampler: MaskSampler | None, *, epochs: int = 10,
                   batch_size: int = 128, lr: float = 1e-2, generator: torch.Generator | None = None) -> torch.Tensor:
    """θ (d,) float64 minimizing the (MSDA, if ``sampler``) logistic loss of f(x) = θᵀ vec(x); no bias.

    Args:
        x: centred images (n, C, H, W); y: labels (n,) in {0, 1}.
        sampler: a mask law, or None for vanilla training.
        generator: data order and masks; θ starts at 0 (the loss is convex).
    """
    if x.ndim != 4 or y.shape != (x.shape[0],):
        raise ValueError(f"x must be (n, C, H, W) and y (n,), got {tuple(x.shape)} and {tuple(y.shape)}")
    theta = torch.zeros(x[0].numel(), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr)
    labels = y.long()
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            index = order[start:start + batch_size]
            xb, yb = x[index], labels[index]
            if sampler is None:
                target = yb.to(torch.float64)
            else:
                xb, soft, _ = mix(xb, yb, sampler, num_classes=2, mode="elem", pairing="perm", generator=generator)
                target = soft[:, 1]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(xb.flatten(1) @ theta, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return theta.detach()


def accuracy(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    """Share of sign(θᵀx) = (2y − 1)."""
    return float(((x.flatten(1) @ theta > 0).to(torch.float64) == y).to(torch.float64).mean())
