"""Pixel and pixel-pair weights of a mask law under D~ (docs/theory.md sections 3, 4 and 6).

    a_p  = E_{D~}[1 - M_p],   a_pq = E_{D~}[(1 - M_p)(1 - M_q)],
    E_{D~}[phi(M)] = E_{D_M}[lam phi(M) + (1 - lam) phi(1 - M)],  lam = mean(M).

Every estimator returns a ``PairWeights`` (shape convention in its docstring):
``a_p`` (H, W), ``a_pq`` (HW, HW; only for H*W <= 4096), ``row(p)`` (H, W),
``profile(metric)`` (mean a_pq per pixel distance, with pair counts; with
standard errors for the streamed Monte Carlo) and ``contract(v, G)``.

- ``strategy_weights(name_or_sampler, size, method="auto" | "exact" | "mc")``:
  the one entry for a strategy (zeros for "none"), used by the regularizers
  and the experiments;
- ``pair_weights(sampler, size, method="exact" | "mc")``: the exact forms, or
  the streamed Monte Carlo with element-wise standard errors and large images;
- ``mask_set_weights(masks, lam)``: the weights of a finite mask set
  (``MaskSet`` is the uniform law on one).
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import torch

from msda_theory.masks._base import Size, check_size
from msda_theory.weights.exact import exact_pair_weights, mixup_moments
from msda_theory.weights.mask_set import MaskSet, MaskSetWeights, check_masks, mask_set_weights, zero_weights
from msda_theory.weights.montecarlo import MonteCarloPairWeights, monte_carlo_pair_weights
from msda_theory.weights.result import METRICS, PairWeights, Profile
from msda_theory.weights.separable import ExactPairWeights
from msda_theory.weights.strategy import FAST_EXACT, STRATEGY_METHODS, strategy_weights

METHODS = ("exact", "mc")
DEFAULT_SAMPLES = 20_000


def pair_weights(
    sampler: Any,
    size: Size,
    *,
    method: str = "exact",
    n_samples: int = DEFAULT_SAMPLES,
    generator: torch.Generator | None = None,
    rows: Iterable[Any] = (),
    progress: bool = False,
) -> PairWeights:
    """a_p, a_pq, rows and distance profiles of ``sampler``'s law under D~ (docs/theory.md section 4).

    Args:
        sampler: a built-in family (exact or mc) or anything with ``sample`` (mc only).
        size: (H, W).
        method: "exact" (Mixup, CutMix, HMix, GMix) or "mc" (any law).
        n_samples: masks drawn for "mc".
        generator: the randomness of "mc".
        rows: pixels (flat index or (py, px)) whose a_pq rows "mc" accumulates when H*W > 4096.
        progress: show a progress bar for "mc" (on a TTY).
    Returns:
        ``ExactPairWeights`` or ``MonteCarloPairWeights`` (float64 tensors).
    """
    size = check_size(size)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if not callable(getattr(sampler, "sample", None)):
        raise ValueError(f"sampler must have a sample(n, size, *, generator, ...) method, got {sampler!r}")
    if method == "exact":
        return exact_pair_weights(sampler, size)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    return monte_carlo_pair_weights(sampler, size, n_samples=int(n_samples), generator=generator,
                                    rows=rows, progress=progress)


__all__ = [
    "DEFAULT_SAMPLES",
    "ExactPairWeights",
    "FAST_EXACT",
    "METHODS",
    "METRICS",
    "MaskSet",
    "MaskSetWeights",
    "MonteCarloPairWeights",
    "PairWeights",
    "Profile",
    "STRATEGY_METHODS",
    "check_masks",
    "mask_set_weights",
    "mixup_moments",
    "pair_weights",
    "strategy_weights",
    "zero_weights",
]
