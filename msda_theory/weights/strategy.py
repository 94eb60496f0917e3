"""``strategy_weights``: the former entry for a strategy's weights, now a thin alias of ``pair_weights``.

Kept (same results for the same generator) because users and notebooks call it. Its methods map onto
``pair_weights``'s (``weights.entry``): "auto" -> "quick" (exact for Mixup, CutMix, HMix and a ``MaskSet``,
else the mask-set Monte Carlo), "mc" -> "mask-set" (``n_masks`` masks kept for the SE of a contraction),
"exact" -> "exact". New code calls ``pair_weights`` with the method it means.
"""
from __future__ import annotations

from typing import Any

import torch

from msda_theory.masks._base import Size, check_size
from msda_theory.weights.entry import DEFAULT_SAMPLES, pair_weights
from msda_theory.weights.result import PairWeights

STRATEGY_METHODS = ("auto", "exact", "mc")
AS_PAIR_METHOD = {"auto": "quick", "exact": "exact", "mc": "mask-set"}


def strategy_weights(name_or_sampler: Any, size: Size, *, method: str = "auto", n_masks: int = DEFAULT_SAMPLES,
                     generator: torch.Generator | None = None) -> PairWeights:
    """``pair_weights(name_or_sampler, size, method=AS_PAIR_METHOD[method], n_masks=n_masks, generator=generator)``."""
    if method not in STRATEGY_METHODS:
        raise ValueError(f"method must be one of {STRATEGY_METHODS}, got {method!r}")
    check_size(size)
    if not isinstance(name_or_sampler, str) and not callable(getattr(name_or_sampler, "sample", None)):
        raise ValueError(f"expected a strategy name or a sampler with a sample method, got {name_or_sampler!r}")
    return pair_weights(name_or_sampler, size, method=AS_PAIR_METHOD[method], n_masks=n_masks, generator=generator)


__all__ = ["AS_PAIR_METHOD", "STRATEGY_METHODS", "strategy_weights"]
