"""Pixel and pixel-pair weights of a mask law under D~ (docs/theory.md sections 3, 4 and 6).

    a_p  = E_{D~}[1 - M_p],   a_pq = E_{D~}[(1 - M_p)(1 - M_q)],
    E_{D~}[phi(M)] = E_{D_M}[lam phi(M) + (1 - lam) phi(1 - M)],  lam = mean(M).

Every estimator returns a ``PairWeights`` (shape convention in its docstring):
``a_p`` (H, W), ``a_pq`` (HW, HW; only for H*W <= 4096), ``row(p)`` (H, W),
``profile(metric)`` (mean a_pq per pixel distance, with pair counts; with
standard errors for the streamed Monte Carlo) and ``contract(v, G)``.

- ``pair_weights(spec_or_sampler, size, method="auto" | "quick" | "exact" | "mc" | "mask-set",
  n_masks=...)``: the one entry (``weights.entry``; zeros for "none"), used by decompose, the
  CLI and the experiments: the exact forms, the streamed Monte Carlo with element-wise
  standard errors and large images, or the mask-set Monte Carlo with contraction SEs;
- ``strategy_weights(...)``: its former name for strategies, a thin alias (``weights.strategy``);
- ``mask_set_weights(masks, lam)``: the weights of a finite mask set
  (``MaskSet`` is the uniform law on one).
"""
from __future__ import annotations

from msda_theory.weights.entry import DEFAULT_SAMPLES, METHODS, QUICK_EXACT, pair_weights, resolve_method
from msda_theory.weights.exact import mixup_moments
from msda_theory.weights.mask_set import MaskSet, MaskSetWeights, check_masks, mask_set_weights, zero_weights
from msda_theory.weights.montecarlo import MonteCarloPairWeights
from msda_theory.weights.result import METRICS, PairWeights, Profile
from msda_theory.weights.separable import ExactPairWeights
from msda_theory.weights.strategy import STRATEGY_METHODS, strategy_weights

__all__ = [
    "DEFAULT_SAMPLES",
    "ExactPairWeights",
    "METHODS",
    "METRICS",
    "MaskSet",
    "MaskSetWeights",
    "MonteCarloPairWeights",
    "PairWeights",
    "Profile",
    "QUICK_EXACT",
    "STRATEGY_METHODS",
    "check_masks",
    "mask_set_weights",
    "mixup_moments",
    "pair_weights",
    "resolve_method",
    "strategy_weights",
    "zero_weights",
]
