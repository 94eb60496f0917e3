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

from msda_theory.masks._base import Size


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


def box_bounds(side: np.ndarray, size: Size, u: np.ndarray) -> np.ndarray:
    """Boxes of side fraction ``side`` (n,) with centres floor(u L) from uniforms u (n, 2):
    int64 (n, 4), each row [top, bottom, left, right) (half-open, clipped).

    The arithmetic of ``cut_length`` and ``box_interval``: on NumPy arrays, both axes at once,
    or, for the one box of a batch, on Python numbers (a fraction of NumPy's per-call cost).
    """
    if side.shape[0] == 1:
        (s,), ((uy, ux),) = side.tolist(), u.tolist()
        return np.array([[*_interval(s, uy, size[0]), *_interval(s, ux, size[1])]], dtype=np.int64)
    lengths = np.array(size)  # (2,): H, W
    half = (side[:, None] * lengths).astype(np.int64) // 2  # (n, 2) cut // 2, floor: side >= 0
    center = np.minimum((u * lengths).astype(np.int64), lengths - 1)  # floor(u L), clamped against rounding up
    ends = np.concatenate((np.maximum(center - half, 0), np.minimum(center + half, lengths)), 1)  # lo_y lo_x hi_y hi_x
    return ends[:, (0, 2, 1, 3)]


def _interval(side: float, u: float, length: int) -> tuple[int, int]:
    """[lo, hi) of one box along one axis: half = floor(length side) // 2, c = min(floor(u length), length - 1)."""
    half = int(length * side) // 2  # int() is floor for side >= 0
    center = min(int(u * length), length - 1)
    return max(center - half, 0), min(center + half, length)


def box_inside(bounds: np.ndarray, size: Size) -> np.ndarray:
    """Boolean (n, H, W): True inside each box of ``box_bounds``, written box by box as a slice."""
    inside = np.zeros((bounds.shape[0], *size), dtype=bool)
    for k, (top, bottom, left, right) in enumerate(bounds.tolist()):
        inside[k, top:bottom, left:right] = True
    return inside


def draw_box(side: np.ndarray, size: Size, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boxes of side fraction ``side`` (n,) with centres floor(u L) from uniforms u (n, 2).

    Returns (inside, area): inside is boolean (n, H, W) (``box_inside``); area the clipped
    box area in pixels, float64 (n,).
    """
    bounds = box_bounds(side, size, u)
    area = (bounds[:, 1] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 2])
    return box_inside(bounds, size), area.astype(np.float64)
