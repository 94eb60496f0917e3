"""One entry for the weights of a strategy: zeros, exact, or Monte Carlo (docs/theory.md sections 4 and 6).

``strategy_weights(name_or_sampler, size, method=...)`` returns a ``PairWeights``; a name is any
strategy spec (``"hmix:alpha=2,r=0.25"``, ``masks.from_spec``):

- "none": a_p = 0, a_pq = 0 (no mixing);
- method "exact": the exact form (``pair_weights(..., method="exact")``: Mixup,
  CutMix, HMix, GMix) or the mask-set moments of a ``MaskSet``;
- method "mc": the mask-set moments of ``n_masks`` masks drawn from the law,
  with the masks kept for the standard error of a contraction;
- method "auto": "exact" for a ``MaskSet`` and for the laws in ``FAST_EXACT``,
  "mc" otherwise. GMix is left out: its exact sum takes about a minute at 28x28.
"""
from __future__ import annotations

from typing import Any

import torch

from msda_theory import masks
from msda_theory.masks._base import Size, check_size
from msda_theory.weights.exact import exact_pair_weights
from msda_theory.weights.mask_set import MaskSet, mask_set_weights, zero_weights
from msda_theory.weights.result import PairWeights

STRATEGY_METHODS = ("auto", "exact", "mc")
FAST_EXACT: tuple[type, ...] = (masks.Mixup, masks.CutMix, masks.HMix)


def as_sampler(name_or_sampler: Any) -> Any:
    """A strategy spec ("hmix", "hmix:alpha=2,r=0.25", "module:Class") or a sampler, as a sampler; None for "none"."""
    if isinstance(name_or_sampler, str):
        return masks.from_spec(name_or_sampler)
    if not callable(getattr(name_or_sampler, "sample", None)):
        raise ValueError(f"expected a strategy name or a sampler with a sample method, got {name_or_sampler!r}")
    return name_or_sampler


def strategy_weights(name_or_sampler: Any, size: Size, *, method: str = "auto", n_masks: int = 20_000,
                     generator: torch.Generator | None = None) -> PairWeights:
    """a_p (H, W) and a_pq (HW, HW) of a strategy (spec or sampler) under D~, float64 (see the module docstring)."""
    if method not in STRATEGY_METHODS:
        raise ValueError(f"method must be one of {STRATEGY_METHODS}, got {method!r}")
    size = check_size(size)
    law = as_sampler(name_or_sampler)
    if law is None:
        return zero_weights(size)
    if method == "auto":
        method = "exact" if isinstance(law, (MaskSet, *FAST_EXACT)) else "mc"
    if method == "exact":
        return mask_set_weights(law.masks) if isinstance(law, MaskSet) else exact_pair_weights(law, size)
    if isinstance(n_masks, bool) or not isinstance(n_masks, int) or n_masks < 2:
        raise ValueError(f"n_masks must be an integer >= 2, got {n_masks!r}")
    mask, lam = law.sample(n_masks, size, generator=generator, dtype=torch.float64)
    return mask_set_weights(mask, lam, keep_masks=True)
