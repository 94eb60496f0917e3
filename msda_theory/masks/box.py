"""The CutMix box, per axis (theory.md section 2; shared by CutMix and HMix).

For an axis of ``length`` pixels and a side fraction s, the cut is
``cut = floor(length * s)``; with a centre c uniform over 0..length-1 the box
covers the half-open interval [clip(c - cut//2), clip(c + cut//2)) clipped to
[0, length]. The 2-D box is the product of one interval per axis, which is
what makes the exact pixel weights separable (``msda_theory.weights``).
"""
from __future__ import annotations

import torch

from msda_theory.masks._base import Size, draw_positions


def cut_length(length: int, side: torch.Tensor) -> torch.Tensor:
    """cut = floor(length * side) as int64; side is a float64 fraction, shape (n,)."""
    return torch.floor(length * side.to(torch.float64)).to(torch.int64)


def box_interval(center: torch.Tensor, cut: torch.Tensor, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[lo, hi) = [c - cut//2, c + cut//2) clipped to [0, length]; int64, shape (n,) each."""
    half = torch.div(cut, 2, rounding_mode="floor")
    return (center - half).clamp(0, length), (center + half).clamp(0, length)


def interval_indicator(lo: torch.Tensor, hi: torch.Tensor, length: int) -> torch.Tensor:
    """Boolean (n, length): position p lies in [lo, hi)."""
    p = torch.arange(length)
    return (p >= lo[:, None]) & (p < hi[:, None])


def draw_box(
    side: torch.Tensor, size: Size, *, generator: torch.Generator | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw n boxes of side fraction ``side`` (n,) with uniform centres.

    Returns (inside, area): inside is boolean (n, H, W), area the clipped box
    area in pixels, int64 (n,).
    """
    h, w = size
    n = side.shape[0]
    cy = draw_positions(n, h, generator=generator)
    cx = draw_positions(n, w, generator=generator)
    y_lo, y_hi = box_interval(cy, cut_length(h, side), h)
    x_lo, x_hi = box_interval(cx, cut_length(w, side), w)
    rows = interval_indicator(y_lo, y_hi, h)  # (n, H)
    cols = interval_indicator(x_lo, x_hi, w)  # (n, W)
    inside = rows[:, :, None] & cols[:, None, :]  # (n, H, W)
    return inside, (y_hi - y_lo) * (x_hi - x_lo)
