"""FGSM on linear models: the analytic worst case (docs/theory.md section 8), in float64."""
from __future__ import annotations

import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from msda_theory.attacks import fgsm

UNBOUNDED = (-math.inf, math.inf)


class BinaryLinear(nn.Module):
    """f(x) = w^T flatten(x) + b, output (B,) or (B, 1)."""

    def __init__(self, w: torch.Tensor, b: float, keepdim: bool) -> None:
        super().__init__()
        self.w = nn.Parameter(w)
        self.b = nn.Parameter(torch.tensor(b, dtype=w.dtype))
        self.keepdim = keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x.flatten(1) @ self.w + self.b  # (B,)
        return out[:, None] if self.keepdim else out


def _binary_case(seed: int) -> tuple[torch.Tensor, float, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(12, generator=gen, dtype=torch.float64)
    x = torch.randn(20, 3, 2, 2, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (20,), generator=gen)
    return w, 0.3, x, y


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("keepdim", [False, True])
def test_binary_linear_fgsm_is_the_analytic_worst_case(norm: str, keepdim: bool) -> None:
    # margin m(x) = s * (w^T x + b), s = 2y - 1; the worst case in the ball is
    # x - eps * s * sign(w) (linf) or x - eps * s * w / ||w||_2 (l2), and m drops by eps ||w||_1 or eps ||w||_2.
    w, b, x, y = _binary_case(0)
    model = BinaryLinear(w, b, keepdim).double()
    eps = 0.07
    x_adv = fgsm(model, x, y, eps, norm=norm, bounds=UNBOUNDED)
    s = (2 * y - 1).double()
    direction = w.sign() if norm == "linf" else w / w.norm()
    expected = x.flatten(1) - eps * s[:, None] * direction[None, :]
    torch.testing.assert_close(x_adv.flatten(1), expected, atol=1e-6, rtol=0)
    margin = lambda z: s * (z.flatten(1) @ w + b)  # noqa: E731
    drop = eps * (w.abs().sum() if norm == "linf" else w.norm())
    torch.testing.assert_close(margin(x) - margin(x_adv), drop.expand(20), atol=1e-6, rtol=0)


def test_binary_linear_fgsm_matches_brute_force_over_the_linf_vertices() -> None:
    # Slow twin: the BCE of a linear model is maximised at a vertex of the linf ball; try all 2^d of them.
    gen = torch.Generator().manual_seed(3)
    w = torch.randn(4, generator=gen, dtype=torch.float64)
    x = torch.randn(6, 4, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 2, (6,), generator=gen)
    model = BinaryLinear(w, -0.1, keepdim=False).double()
    eps = 0.2
    x_adv = fgsm(model, x, y, eps, bounds=UNBOUNDED)
    loss = lambda z: F.binary_cross_entropy_with_logits(model(z), y.double(), reduction="none")  # noqa: E731
    vertices = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=4)), dtype=torch.float64)  # (16, 4)
    with torch.no_grad():
        brute = torch.stack([loss(x + eps * v) for v in vertices]).amax(dim=0)  # (6,)
        torch.testing.assert_close(loss(x_adv), brute, atol=1e-12, rtol=0)


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_multiclass_linear_fgsm_beats_random_sign_perturbations(norm: str) -> None:
    gen = torch.Generator().manual_seed(1)
    model = nn.Sequential(nn.Flatten(), nn.Linear(10, 4)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    x = torch.randn(16, 1, 10, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (16,), generator=gen)
    eps = 0.05
    x_adv = fgsm(model, x, y, eps, norm=norm, bounds=UNBOUNDED)
    signs = torch.randint(0, 2, (64, *x.shape), generator=gen, dtype=torch.float64) * 2 - 1  # (64, 16, 1, 10)
    if norm == "l2":
        signs = signs / math.sqrt(10)  # ||delta||_2 = eps
    with torch.no_grad():
        ce = lambda z: F.cross_entropy(model(z), y, reduction="none")  # noqa: E731
        random_losses = torch.stack([ce(x + eps * s) for s in signs])  # (64, 16)
        assert (ce(x_adv) >= random_losses.amax(dim=0) - 1e-12).all()
        assert (ce(x_adv) > ce(x)).all()
