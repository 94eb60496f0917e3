"""Exact a_p, a_pq for the families that have one (docs/theory.md section 6).

- Mixup(a): lam ~ Beta(a+1, a) under D~, so a_pq = a (a + 1) / ((2a + 1)(2a + 2)) and
  a_p = a / (2a + 1) for every pixel and pair.
- CutMix, HMix: finite sums over cut sizes and centres (``weights.box``).
- GMix: a sum over centres and a quadrature over lam0 with an error estimate
  (``weights.gaussian``).
FMix and user-defined laws have no exact form here: use method="mc".
"""
from __future__ import annotations

import torch

from msda_theory.masks import CutMix, GMix, HMix, Mixup
from msda_theory.masks._base import Size
from msda_theory.weights.box import box_pair_weights
from msda_theory.weights.gaussian import gmix_pair_weights
from msda_theory.weights.separable import ExactPairWeights

EXACT_FAMILIES: tuple[type, ...] = (Mixup, CutMix, HMix, GMix)
"""The classes ``exact_pair_weights`` has an exact form for."""


def mixup_moments(alpha: float) -> tuple[float, float]:
    """(a_p, a_pq) of Mixup(alpha): (a / (2a + 1), a (a + 1) / ((2a + 1)(2a + 2)))."""
    return alpha / (2 * alpha + 1), alpha * (alpha + 1) / ((2 * alpha + 1) * (2 * alpha + 2))


def mixup_pair_weights(size: Size, alpha: float) -> ExactPairWeights:
    """Mixup's constant weights in the separable form (C = a_pq, u = 0, no blocks)."""
    a_p, a_pq = mixup_moments(alpha)
    h, w = size
    return ExactPairWeights(size, torch.full((h, w), a_p, dtype=torch.float64), a_pq,
                            torch.zeros(h, w, dtype=torch.float64), [])


def exact_pair_weights(sampler: object, size: Size) -> ExactPairWeights:
    """Dispatch on the (exact) type of a built-in sampler; anything else raises ValueError."""
    kind = type(sampler)
    if kind is Mixup:
        return mixup_pair_weights(size, sampler.alpha)
    if kind is CutMix:
        return box_pair_weights(size, sampler.alpha, "cutmix")
    if kind is HMix:
        return box_pair_weights(size, sampler.alpha, "hmix", sampler.r)
    if kind is GMix:
        return gmix_pair_weights(size, sampler.alpha)
    raise ValueError(
        f"no exact form of a_pq for {sampler} (exact forms: {', '.join(c.__name__ for c in EXACT_FAMILIES)}); "
        "use method=\"mc\""
    )
