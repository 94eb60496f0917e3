"""Generalization: the train–test gap per strategy and the capacity term θᵀ(A ⊙ Σ)θ of linear models.

docs/theory.md section 8 (Zhang et al., Theorem 3.3, extended): the Rademacher
complexity of {x ↦ θᵀx : E[A''(θᵀx)] θᵀ(A ⊙ Σ)θ ≤ γ} is at most
max{(γ/ρ)^{1/4}, (γ/ρ)^{1/2}} √(rank(Σ)/n); MSDA training makes the
regularizer R2 small, i.e. keeps θᵀ(A ⊙ Σ)θ (weighted by h'') small. The probe
reports, per trained linear model θ_s, the curvature-weighted capacity

    γ_s = mean_i h''(θᵀx_i) · θᵀ(A_s ⊙ Σ)θ,  and the plain θᵀ(A_s ⊙ Σ)θ and θᵀΣθ,

next to the measured train–test accuracy gap.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from msda_theory.experiments.first_layer import data_covariance, masked_covariance
from msda_theory.stats import t_interval


def capacity(theta: torch.Tensor, a_pq: torch.Tensor, sigma: torch.Tensor, channels: int) -> float:
    """θᵀ(A ⊙ Σ)θ with A (HW, HW) broadcast over channels, Σ (d, d), θ (d,)."""
    theta = theta.to(torch.float64)
    return float(theta @ masked_covariance(a_pq, sigma, channels) @ theta)


def linear_generalization(thetas: dict[str, Sequence[torch.Tensor]], a_pq: dict[str, torch.Tensor],
                          x: torch.Tensor, train_acc: dict[str, Sequence[float]],
                          test_acc: dict[str, Sequence[float]]) -> dict[str, Any]:
    """Per strategy s (over seeds): gap (t-CI), θᵀ(A_s ⊙ Σ)θ, θᵀΣθ and γ_s = mean h''(θᵀx) θᵀ(A_s ⊙ Σ)θ.

    Args:
        thetas: θ per strategy and seed (d,); a_pq: A per strategy (HW, HW) ('none' may be absent:
            vanilla then gets Mixup's A if given, for comparison on a common scale).
        x: the (centred) training images (n, C, H, W) for Σ and h''.
    """
    sigma = data_covariance(x)
    flat = x.flatten(1).to(torch.float64)
    channels = x.shape[1]
    out: dict[str, Any] = {}
    for s, ths in thetas.items():
        a = a_pq.get(s, a_pq.get("mixup"))
        caps = [capacity(t, a, sigma, channels) for t in ths] if a is not None else []
        plain = [float(t.to(torch.float64) @ sigma @ t.to(torch.float64)) for t in ths]
        curv = [float((torch.sigmoid(flat @ t.to(torch.float64)) * (1 - torch.sigmoid(flat @ t.to(torch.float64)))).mean())
                for t in ths]
        gaps = [a_ - b_ for a_, b_ in zip(train_acc[s], test_acc[s])]
        out[s] = {
            "gap": t_interval(gaps).as_dict(),
            "capacity_own_A": t_interval(caps).as_dict() if caps else None,
            "capacity_plain": t_interval(plain).as_dict(),
            "gamma": t_interval([c * k for c, k in zip(caps, curv)]).as_dict() if caps else None,
        }
    return out
