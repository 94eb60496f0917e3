"""The one entry point for a_p, a_pq of a mask law under D~: ``pair_weights`` (docs/theory.md sections 4 and 6).

``pair_weights(spec_or_sampler, size, method=..., n_masks=...)`` returns a ``PairWeights``; a spec is any
strategy spec (``"hmix:alpha=2,r=0.25"``, ``masks.from_spec``), "none" gives zeros (exact). Methods:

- "exact": the exact form (Mixup, CutMix, HMix, GMix: ``exact.exact_pair_weights``) or the
  moments of a ``MaskSet``; any other law raises ValueError;
- "mc": the streamed Monte Carlo of ``n_masks`` masks, element-wise standard errors, large
  images (``montecarlo.monte_carlo_pair_weights``; ``rows`` and ``progress`` apply here only);
- "mask-set": the moments of ``n_masks`` masks drawn in one call and kept, so that
  ``contract`` has the standard error of its per-mask terms (``mask_set.mask_set_weights``);
- "auto": "exact" where a closed form exists (``has_exact_form``), else "mc";
- "quick": "exact" where the closed form is quick (``QUICK_EXACT``: Mixup, CutMix, HMix, a
  ``MaskSet``), else "mask-set". GMix is left out: its exact sum takes about a minute at 28x28.

``n_masks`` always counts masks drawn for the weights; ``n_samples`` is its former name (accepted).
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import torch

from msda_theory import masks
from msda_theory.masks._base import Size, check_size
from msda_theory.weights.exact import EXACT_FAMILIES, exact_pair_weights
from msda_theory.weights.mask_set import MaskSet, mask_set_weights, zero_weights
from msda_theory.weights.montecarlo import monte_carlo_pair_weights
from msda_theory.weights.result import PairWeights

METHODS = ("auto", "quick", "exact", "mc", "mask-set")
DEFAULT_SAMPLES = 20_000
QUICK_EXACT: tuple[type, ...] = (masks.Mixup, masks.CutMix, masks.HMix)
"""The families whose exact form takes well under a second at 28x28 (GMix's quadrature does not)."""


def as_sampler(spec_or_sampler: Any) -> Any:
    """A strategy spec ("hmix", "hmix:alpha=2,r=0.25", "module:Class") or a sampler, as a sampler; None for "none"."""
    if isinstance(spec_or_sampler, str):
        return masks.from_spec(spec_or_sampler)
    if not callable(getattr(spec_or_sampler, "sample", None)):
        raise ValueError("sampler must have a sample(n, size, *, generator, ...) method or be a strategy spec, "
                         f"got {spec_or_sampler!r}")
    return spec_or_sampler


def has_exact_form(law: Any) -> bool:
    """True for a ``MaskSet`` and for the exact classes of ``EXACT_FAMILIES`` (the dispatch of the exact forms)."""
    return isinstance(law, MaskSet) or type(law) in EXACT_FAMILIES


def resolve_method(method: str, law: Any) -> str:
    """The estimator ``method`` runs for ``law`` (a sampler, or None for "none"): "exact", "mc" or "mask-set"."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if law is None:
        return "exact"
    if method == "auto":
        return "exact" if has_exact_form(law) else "mc"
    if method == "quick":
        return "exact" if isinstance(law, (MaskSet, *QUICK_EXACT)) else "mask-set"
    return method


def mask_count(n_masks: int | None, n_samples: int | None) -> tuple[int, str]:
    """(the number of masks, the keyword that gave it): ``n_samples`` is the former name of ``n_masks``."""
    if n_masks is not None and n_samples is not None:
        raise ValueError("pass n_masks or its former name n_samples, not both")
    name, value = ("n_samples", n_samples) if n_samples is not None else ("n_masks", n_masks)
    return (DEFAULT_SAMPLES if value is None else value), name


def pair_weights(
    spec_or_sampler: Any,
    size: Size,
    *,
    method: str = "auto",
    n_masks: int | None = None,
    n_samples: int | None = None,
    generator: torch.Generator | None = None,
    rows: Iterable[Any] = (),
    progress: bool = False,
) -> PairWeights:
    """a_p (H, W), a_pq (HW, HW), rows and distance profiles of a mask law under D~, float64 (docs/theory.md section 4).

    Args:
        spec_or_sampler: a strategy spec ("none", "hmix:alpha=2,r=0.25") or a sampler (``sample``).
        size: (H, W).
        method: "auto" (default), "quick", "exact", "mc" or "mask-set" (see the module docstring).
        n_masks: masks drawn for "mc" and "mask-set" (default 20,000); ``n_samples``: its former name.
        generator: the randomness of "mc" and "mask-set".
        rows: pixels (flat index or (py, px)) whose a_pq rows "mc" accumulates when H*W > 4096.
        progress: show a progress bar for "mc" (on a TTY).
    Returns:
        ``ExactPairWeights``, ``MonteCarloPairWeights`` or ``MaskSetWeights``.
    """
    size = check_size(size)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    law = as_sampler(spec_or_sampler)
    n, name = mask_count(n_masks, n_samples)
    chosen = resolve_method(method, law)
    if law is None:
        return zero_weights(size)
    if chosen == "exact":
        return mask_set_weights(law.masks) if isinstance(law, MaskSet) else exact_pair_weights(law, size)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"{name} must be an integer >= 2, got {n!r}")
    if chosen == "mc":
        return monte_carlo_pair_weights(law, size, n_samples=int(n), generator=generator, rows=rows,
                                        progress=progress)
    mask, lam = law.sample(int(n), size, generator=generator, dtype=torch.float64)
    return mask_set_weights(mask, lam, keep_masks=True)
