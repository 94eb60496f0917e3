"""The weights of a finite set of masks, and the uniform law on such a set (docs/theory.md sections 3-4).

For masks M_1..M_S with ratios lam_s (lam_s = mean(M_s) under the official
semantics), the D~ mixture restricted to the set gives

    a_p  = (1/S) sum_s [lam_s (1 - M_s,p) + (1 - lam_s) M_s,p]
    a_pq = (1/S) sum_s [lam_s (1 - M_s,p)(1 - M_s,q) + (1 - lam_s) M_s,p M_s,q]

(one matrix product each). These are the exact weights of ``MaskSet`` (the
uniform law on the set) and a Monte Carlo estimate of any law the masks were
drawn from. A Monte Carlo estimate keeps its masks, so that a contraction
a . v + <A, G> gets the standard error of the mean of its per-mask terms
(element-wise errors of A cannot give it: the entries are correlated).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from msda_theory.finite import check_finite
from msda_theory.masks._base import Size, check_size
from msda_theory.weights.result import PairWeights, Profile, bin_offsets, check_pixel


def check_masks(masks: Tensor) -> Tensor:
    """Validate a mask set: a floating tensor (S, H, W), S >= 1, values finite and in [0, 1]."""
    if not isinstance(masks, Tensor) or masks.ndim != 3 or masks.shape[0] < 1 or not masks.is_floating_point():
        raise ValueError(f"masks must be a floating tensor (S, H, W) with S >= 1, got {getattr(masks, 'shape', type(masks))}")
    check_finite(masks, "the mask set")  # NaN passes both comparisons below
    if (masks < 0).any() or (masks > 1).any():
        raise ValueError("masks must take values in [0, 1]")
    return masks


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
class MaskSetWeights(PairWeights):
    """a_p (H, W) and a_pq (HW, HW) of a mask set; ``masks`` (S, H, W) and ``lam`` (S,) kept for a Monte Carlo SE."""

    size: Size
    a_p: Tensor
    matrix: Tensor
    method: str = "exact"
    masks: Tensor | None = None
    lam: Tensor | None = None

    @property
    def a_pq(self) -> Tensor:
        """(HW, HW), p = py * W + px."""
        return self.matrix

    def row(self, p: Any) -> Tensor:
        """a_pq for q over the image, (H, W)."""
        py, px = check_pixel(p, self.size)
        return self.matrix[py * self.size[1] + px].reshape(self.size)

    def profile(self, metric: str = "chebyshev") -> Profile:
        """Per-distance mean of a_pq over ordered pixel pairs (no standard errors)."""
        h, w = self.size
        yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        py, px = yy.reshape(-1), xx.reshape(-1)
        offset = (py[None, :] - py[:, None] + h - 1) * (2 * w - 1) + (px[None, :] - px[:, None] + w - 1)
        sums = torch.zeros((2 * h - 1) * (2 * w - 1), dtype=torch.float64)
        sums.index_add_(0, offset.reshape(-1), self.matrix.to(torch.float64).reshape(-1))
        distance, mean, count = bin_offsets(sums.reshape(2 * h - 1, 2 * w - 1), self.size, metric)
        return Profile(metric, distance, mean, count)

    def contract_se(self, v: Tensor, g: Tensor | None) -> float:
        """SE = std_s(t_s) / sqrt(S), t_s = lam_s [(1-M_s).v + (1-M_s)^T G (1-M_s)] + (1-lam_s) [M_s.v + M_s^T G M_s]."""
        if self.masks is None:
            return 0.0 if self.method == "exact" else float("nan")
        s = self.masks.shape[0]
        m = self.masks.reshape(s, -1).to(v.dtype)
        lam = self.lam.to(v.dtype)
        per_mask = torch.zeros(s, dtype=v.dtype, device=v.device)
        for vec, weight in ((1.0 - m, lam), (m, 1.0 - lam)):
            t = vec @ v
            if g is not None:
                t = t + ((vec @ g) * vec).sum(1)
            per_mask = per_mask + weight * t
        return float(per_mask.std() / s**0.5) if s > 1 else float("nan")


def mask_set_weights(masks: Tensor, lam: Tensor | None = None, *, keep_masks: bool = False) -> MaskSetWeights:
    """a_p, a_pq of the D~ mixture on ``masks`` (S, H, W) with ratios ``lam`` (S,) (default mean(M)), float64.

    ``keep_masks``: the masks are a Monte Carlo sample of a law (method "mc"); keep
    them so that ``contract`` can report a standard error.
    """
    check_masks(masks)
    s, h, w = masks.shape
    m = masks.reshape(s, h * w).to(torch.float64)
    lam = m.mean(1) if lam is None else check_finite(torch.as_tensor(lam).to(torch.float64).reshape(s), "lam")
    a_p = (lam[:, None] * (1.0 - m) + (1.0 - lam[:, None]) * m).mean(0)
    a_pq = ((1.0 - m).T * lam) @ (1.0 - m) / s + (m.T * (1.0 - lam)) @ m / s
    if keep_masks:
        return MaskSetWeights((h, w), a_p.reshape(h, w), a_pq, "mc", masks, lam)
    return MaskSetWeights((h, w), a_p.reshape(h, w), a_pq)


def zero_weights(size: Size) -> MaskSetWeights:
    """The weights of no mixing ("none"): a_p = 0, a_pq = 0, exact."""
    h, w = check_size(size)
    return MaskSetWeights((h, w), torch.zeros(h, w, dtype=torch.float64),
                          torch.zeros(h * w, h * w, dtype=torch.float64))
