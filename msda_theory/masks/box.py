"""The CutMix box, per axis (docs/theory.md section 2; shared by CutMix and HMix).

For an axis of ``length`` pixels and a side fraction s, the cut is
``cut = floor(length * s)``; with a centre c uniform over 0..length-1 the box
covers the half-open interval [clip(c - cut//2), clip(c + cut//2)) clipped to
[0, length]. The 2-D box is the product of one interval per axis, which is
what makes the exact pixel weights separable (``msda_theory.weights``).
"""
from __future__ import annotations

import numpy as np
import torch

from msda_theory.masks._base import Size, positions


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


def axis_bounds(side: np.ndarray, u: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi) along one axis for side fractions (n,) and centre uniforms u (n,): int64 arrays (n,) each.

    The same arithmetic as ``cut_length`` and ``box_interval``, on NumPy arrays: for a
    handful of numbers NumPy's per-call cost is a fraction of torch's.
    """
    half = (length * side).astype(np.int64) // 2  # floor: side >= 0
    center = positions(u, length)
    return np.maximum(center - half, 0), np.minimum(center + half, length)  # c - half < L, c + half >= 0


def indicator(lo: np.ndarray, hi: np.ndarray, length: int) -> np.ndarray:
    """Boolean (n, length): position p lies in [lo, hi)."""
    p = np.arange(length)
    return (p >= lo[:, None]) & (p < hi[:, None])


def box_bounds(side: np.ndarray, size: Size, u: np.ndarray) -> np.ndarray:
    """Boxes of side fraction ``side`` (n,) with centres floor(u L) from uniforms u (n, 2):
    int64 (n, 4), each row [top, bottom, left, right) (half-open, clipped)."""
    y_lo, y_hi = axis_bounds(side, u[:, 0], size[0])
    x_lo, x_hi = axis_bounds(side, u[:, 1], size[1])
    return np.stack([y_lo, y_hi, x_lo, x_hi], 1)


def box_inside(bounds: np.ndarray, size: Size) -> np.ndarray:
    """Boolean (n, H, W): inside each box of ``box_bounds``, the outer product of a row and a column indicator."""
    h, w = size
    return indicator(bounds[:, 0], bounds[:, 1], h)[:, :, None] & indicator(bounds[:, 2], bounds[:, 3], w)[:, None, :]


def draw_box(side: np.ndarray, size: Size, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes of side fraction ``side`` (n,) with centres floor(u L) from uniforms u (n, 2).

    Returns (inside, area): inside is boolean (n, H, W) (``box_inside``); area the clipped
    box area in pixels, float64 (n,).
    """
    bounds = box_bounds(side, size, u)
    area = (bounds[:, 1] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 2])
    return box_inside(bounds, size), area.astype(np.float64)
