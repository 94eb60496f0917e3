"""Claim 7's scale scan: the tiny preset stores it, it equals a closed form on a two-class linear model, and on
a smooth network explained(t) → 1 at the rate Taylor's theorem gives."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from msda_theory.data import load
from msda_theory.experiments import EXPERIMENTS, _tracking_units, presets
from msda_theory.experiments.decomposition import small_model
from msda_theory.experiments.tracking import explained_by_scale, run_tracking
from msda_theory.masks import get
from msda_theory.regularizers import loglog_slope


class HalfMasks:
    """A mask law whose every mask is 0.5 everywhere (λ = 0.5): δ = (r − x_i) / 2 whichever orientation is kept."""

    def sample(self, n: int, size: tuple[int, int], *, generator: torch.Generator | None = None,
               device: torch.device | None = None,
               dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.full((n, *size), 0.5, dtype=dtype, device=device),
                torch.full((n,), 0.5, dtype=dtype, device=device))


def test_tiny_preset_stores_the_scale_scan_and_t_1_is_the_last_row() -> None:
    config = _tracking_units("tiny")[0][1]
    data = run_tracking(config, 0)
    assert EXPERIMENTS["tracking"].data_problem(data) is None and "t_scan" in EXPERIMENTS["tracking"].fields
    scan = data["t_scan"]["trained"]
    assert scan["t"] == list(presets.tracking("tiny")["t_scan"])
    assert all(len(scan[key]) == len(scan["t"]) for key in scan)
    assert scan["explained"] == pytest.approx([r / e for r, e in zip(scan["r_sum"], scan["excess"])], rel=1e-12)
    last = data["rows"][-1]  # t = 1 uses the last row's draws: the same numbers by another estimator
    assert scan["explained"][-1] == pytest.approx(last["explained"], rel=1e-9)
    assert scan["excess"][-1] == pytest.approx(last["excess"], rel=1e-9)


def test_explained_by_scale_equals_the_closed_form_of_a_two_class_linear_model() -> None:
    # Logits (w·x, −w·x), x_1 = −x_0 with labels 0 and 1, masks 0.5: every draw with the other partner has
    # δ_i = −x_i and loss g(s) = log(1 + exp(−2a(1 − s))), a = w·x_0; a draw with itself has δ = 0 and adds 0
    # to both sides. So explained(t) = (t g'(0) + t² g''(0) / 2) / (g(t) − g(0)) (R3 = 0: the model is linear).
    gen = torch.Generator().manual_seed(0)
    x0 = torch.rand(1, 1, 4, 4, generator=gen, dtype=torch.float64)
    w = torch.randn(16, generator=gen, dtype=torch.float64)
    w = w * (3.0 / float(w @ x0.flatten()))  # a = 3: a confident model, far from quadratic at t = 1
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 2, bias=False)).double()
    with torch.no_grad():
        model[1].weight.copy_(torch.stack([w, -w]))
    ts = (0.05, 0.2, 0.5, 1.0)
    got = explained_by_scale(model, torch.cat([x0, -x0]), torch.tensor([0, 1]), HalfMasks(), ts, 8, 0)
    a = 3.0

    def g(s: float) -> float:
        return math.log1p(math.exp(-2 * a * (1 - s)))

    sig = 1 / (1 + math.exp(2 * a))  # σ(−2a)
    g1, g2 = 2 * a * sig, 4 * a * a * sig * (1 - sig)
    want = [(t * g1 + t * t * g2 / 2) / (g(t) - g(0)) for t in ts]
    assert got["explained"] == pytest.approx(want, rel=1e-9)
    assert want[-1] < 0.8  # the case is not trivial: the truncation fails at t = 1


def test_explained_fraction_tends_to_one_at_least_linearly_in_t() -> None:
    # Taylor: excess(t) = t R1 + t² (R2 + R3) + O(t³) and remainder(t) = O(t³) draw by draw (the same draws at
    # every t), so |explained(t) − 1| = |remainder| / |excess| = O(t) (O(t²) where R1 ≠ 0): slope ≥ 1.
    data = load("digits")
    x, y = data.x[:6].double(), data.y[:6]
    model = small_model("mlp", tuple(x.shape[1:]), data.num_classes, seed=0)
    ts = tuple(float(t) for t in np.geomspace(0.005, 0.05, 4))
    scan = explained_by_scale(model, x, y, get("mixup"), ts, 4, 0)
    gap = np.abs(np.asarray(scan["explained"]) - 1.0)
    assert np.all(gap > 0) and gap[0] < 1e-2
    assert loglog_slope(ts, gap) >= 0.9
