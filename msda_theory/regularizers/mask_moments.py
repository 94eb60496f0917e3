"""The pixel weights a_p, a_pq of a mask law, as the regularizers use them (theory.md sections 3-4).

    a_p  = E_{D~}[1 - M_p]                = E_{D_M}[lam (1 - M_p) + (1 - lam) M_p]
    a_pq = E_{D~}[(1 - M_p)(1 - M_q)]     = E_{D_M}[lam (1 - M_p)(1 - M_q) + (1 - lam) M_p M_q]

``mask_set_moments`` computes them for a given finite set of masks (the D~
mixture restricted to that set); ``MaskSet`` is the uniform law on such a
set, whose exact weights are exactly those moments. ``pixel_weights``
resolves the weights of any law: exact (``msda_theory.weights`` for the
built-in families, ``mask_set_moments`` for a ``MaskSet``) or Monte Carlo.
A Monte Carlo estimate keeps its masks, so that a contraction <A, G> gets the
standard error of the mean of its per-mask terms (element-wise errors of A
cannot give it: the entries are correlated).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from msda_theory.masks._base import MaskSampler, Size, check_size

WEIGHT_METHODS = ("exact", "mc")


def check_masks(masks: Tensor) -> Tensor:
    """Validate a mask set: a floating tensor (S, H, W), S >= 1, values in [0, 1]."""
    if not isinstance(masks, Tensor) or masks.ndim != 3 or masks.shape[0] < 1 or not masks.is_floating_point():
        raise ValueError(f"masks must be a floating tensor (S, H, W) with S >= 1, got {getattr(masks, 'shape', type(masks))}")
    if (masks < 0).any() or (masks > 1).any():
        raise ValueError("masks must take values in [0, 1]")
    return masks


def mask_set_moments(masks: Tensor) -> tuple[Tensor, Tensor]:
    """(a_p (H, W), A (H W, H W)) of the D~ mixture on the set ``masks`` (S, H, W), lam = mean(M)."""
    check_masks(masks)
    s, h, w = masks.shape
    lam = masks.mean((-2, -1))  # (S,)
    m = masks.reshape(s, h * w)
    a_p = (lam[:, None] * (1.0 - m) + (1.0 - lam[:, None]) * m).mean(0)
    a_pq = ((1.0 - m).T * lam) @ (1.0 - m) / s + (m.T * (1.0 - lam)) @ m / s
    return a_p.reshape(h, w), a_pq


@dataclass(frozen=True)
class MaskSet:
    """The uniform law on a finite set of masks (S, H, W); ``sample`` draws from it with replacement."""

    masks: Tensor

    def __post_init__(self) -> None:
        check_masks(self.masks)

    def sample(self, n: int, size: Size, *, generator: torch.Generator | None = None,
               device: Any = None, dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor]:
        """n masks (n, H, W) drawn uniformly from the set, and lam = mean(mask) (n,)."""
        if tuple(check_size(size)) != tuple(self.masks.shape[1:]):
            raise ValueError(f"this mask set has size {tuple(self.masks.shape[1:])}, asked for {tuple(size)}")
        idx = torch.randint(self.masks.shape[0], (int(n),), generator=generator)
        mask = self.masks[idx].to(device=device, dtype=dtype)
        return mask, mask.mean((-2, -1))


@dataclass(frozen=True)
class PixelWeights:
    """a_p (H, W) and A = (a_pq) (H W, H W); ``masks`` (S, H, W) when they are a Monte Carlo estimate."""

    a_p: Tensor
    a_pq: Tensor
    masks: Tensor | None = None

    def contract(self, v: Tensor, g: Tensor | None = None) -> tuple[float, float]:
        """(a . v + <A, G>, its standard error): v (H W,), G (H W, H W) or None; SE 0 when exact.

        SE = std_s(t_s) / sqrt(S) with t_s = lam_s [(1-M_s).v + (1-M_s)^T G (1-M_s)] + (1-lam_s) [M_s.v + M_s^T G M_s].
        """
        value = float(self.a_p.reshape(-1) @ v) + (0.0 if g is None else float((self.a_pq * g).sum()))
        if self.masks is None:
            return value, 0.0
        s = self.masks.shape[0]
        m = self.masks.reshape(s, -1).to(v.dtype)
        lam = m.mean(1)
        terms = []
        for vec, weight in ((1.0 - m, lam), (m, 1.0 - lam)):
            t = vec @ v
            if g is not None:
                t = t + ((vec @ g) * vec).sum(1)
            terms.append(weight * t)
        per_mask = terms[0] + terms[1]  # (S,)
        return value, float(per_mask.std() / s**0.5) if s > 1 else float("nan")


def pixel_weights(sampler: MaskSampler, size: Size, *, method: str = "exact", n_samples: int = 4096,
                  generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64) -> PixelWeights:
    """The weights of ``sampler`` at ``size``: exact or from ``n_samples`` Monte Carlo masks."""
    if method not in WEIGHT_METHODS:
        raise ValueError(f"weights must be one of {WEIGHT_METHODS}, got {method!r}")
    h, w = check_size(size)
    if method == "exact" and isinstance(sampler, MaskSet):
        a_p, a_pq = mask_set_moments(sampler.masks.to(dtype))
        return PixelWeights(a_p, a_pq)
    if method == "exact":
        return _exact_weights(sampler, (h, w), dtype)
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    masks, _ = sampler.sample(n_samples, (h, w), generator=generator, dtype=dtype)
    a_p, a_pq = mask_set_moments(masks)
    return PixelWeights(a_p, a_pq, masks=masks)


def _exact_weights(sampler: MaskSampler, size: Size, dtype: torch.dtype) -> PixelWeights:
    """Exact weights from ``msda_theory.weights.pair_weights`` (built-in families)."""
    try:
        from msda_theory.weights import pair_weights
    except ImportError:
        raise ValueError("weights='exact' needs msda_theory.weights for this mask law; use weights='mc'") from None
    result = pair_weights(sampler, size, method="exact")
    a_pq = getattr(result, "a_pq", None)
    if a_pq is None:
        raise ValueError(f"exact pair weights are not available at size {size}; use weights='mc'")
    return PixelWeights(torch.as_tensor(result.a_p).to(dtype).reshape(size), torch.as_tensor(a_pq).to(dtype))
