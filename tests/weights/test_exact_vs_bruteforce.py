"""Exact box weights against an obviously correct enumeration (style point 8)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from msda_theory import masks
from msda_theory.masks.box import box_interval, cut_length, interval_indicator
from msda_theory.weights import pair_weights


def brute_force(size: tuple[int, int], alpha: float, kind: str, r: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Enumerate lam0-intervals x (Gauss-Legendre nodes in lam0) x every centre; build each mask with masks/box.py.

    Inside an interval the cuts are fixed and the integrand is a polynomial of degree <= 5 in lam0
    times the Beta density (a polynomial for integer alpha), so 6 Legendre nodes are exact.
    """
    h, w = size
    d = h * w
    top = math.sqrt(r)
    sides = sorted({0.0, top} | {k / n for n in (h, w) for k in range(1, n + 1) if k / n < top})
    a_pq, a_p = torch.zeros(d, d, dtype=torch.float64), torch.zeros(d, dtype=torch.float64)
    x, wg = np.polynomial.legendre.leggauss(6)
    norm = math.gamma(2 * alpha) / math.gamma(alpha) ** 2
    for s0, s1 in zip(sides[:-1], sides[1:]):
        lo, hi = 1 - s1 * s1 / r, 1 - s0 * s0 / r
        for xi, wi in zip(x, wg):
            lam0 = lo + (hi - lo) * (xi + 1) / 2
            weight = wi * (hi - lo) / 2 * norm * (lam0 * (1 - lam0)) ** (alpha - 1) / d
            side = torch.tensor([math.sqrt(r * (1 - lam0))], dtype=torch.float64)
            for cy in range(h):
                for cx in range(w):
                    y0, y1 = box_interval(torch.tensor([cy]), cut_length(h, side), h)
                    x0, x1 = box_interval(torch.tensor([cx]), cut_length(w, side), w)
                    box = (interval_indicator(y0, y1, h)[0][:, None] & interval_indicator(x0, x1, w)[0][None, :])
                    box = box.to(torch.float64).flatten()
                    mask = 1 - box if kind == "cutmix" else lam0 / (1 - box.mean()) * (1 - box)
                    lam = mask.mean()
                    a_pq += weight * (lam * torch.outer(1 - mask, 1 - mask) + (1 - lam) * torch.outer(mask, mask))
                    a_p += weight * (lam * (1 - mask) + (1 - lam) * mask)
    return a_pq, a_p


def profile_from_matrix(a_pq: torch.Tensor, size: tuple[int, int]) -> dict[int, float]:
    """Chebyshev profile by looping over all ordered pairs."""
    h, w = size
    sums: dict[int, list[float]] = {}
    for p in range(h * w):
        for q in range(h * w):
            dist = max(abs(p // w - q // w), abs(p % w - q % w))
            sums.setdefault(dist, []).append(float(a_pq[p, q]))
    return {k: math.fsum(v) / len(v) for k, v in sums.items()}


@pytest.mark.parametrize("sampler", [masks.CutMix(alpha=2.0), masks.HMix(alpha=2.0, r=0.5)], ids=str)
def test_box_families_match_brute_force_5x6(sampler: masks.BetaMaskFamily) -> None:
    kind = sampler.name
    ref_pq, ref_p = brute_force((5, 6), sampler.alpha, kind, getattr(sampler, "r", 1.0))
    got = pair_weights(sampler, (5, 6))
    assert torch.allclose(got.a_pq, ref_pq, rtol=0, atol=1e-12)
    assert torch.allclose(got.a_p.flatten(), ref_p, rtol=0, atol=1e-12)
    assert torch.allclose(got.row((2, 3)).flatten(), ref_pq[2 * 6 + 3], rtol=0, atol=1e-12)
    prof = got.profile("chebyshev")
    ref = profile_from_matrix(ref_pq, (5, 6))
    assert torch.allclose(prof.mean, torch.tensor([ref[k] for k in sorted(ref)], dtype=torch.float64), atol=1e-12)
    assert int(prof.count.sum()) == 30 * 30


@pytest.mark.slow
@pytest.mark.parametrize("sampler", [masks.CutMix(alpha=1.0), masks.HMix(alpha=1.0, r=1.0), masks.HMix(alpha=3.0, r=0.3)], ids=str)
def test_box_families_match_brute_force_slow(sampler: masks.BetaMaskFamily) -> None:
    ref_pq, ref_p = brute_force((6, 7), sampler.alpha, sampler.name, getattr(sampler, "r", 1.0))
    got = pair_weights(sampler, (6, 7))
    assert torch.allclose(got.a_pq, ref_pq, rtol=0, atol=1e-12)
    assert torch.allclose(got.a_p.flatten(), ref_p, rtol=0, atol=1e-12)
