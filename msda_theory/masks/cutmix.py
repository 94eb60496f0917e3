"""CutMix (Yun et al. 2019), as in the official code (docs/theory.md section 2).

A box of side (floor(H sqrt(1 - lam0)), floor(W sqrt(1 - lam0))) with a centre
uniform over pixel positions and half-extents cut//2, clipped to the image;
M = 0 inside the box (the partner shows), 1 outside. lam = mean(M) = 1 - area/(H W).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size, check_count, check_size, finish
from msda_theory.masks.box import box_bounds, box_inside


@dataclass(frozen=True)
class CutMix(BetaMaskFamily):
    """Binary box masks: 0 in the clipped box, 1 elsewhere."""

    name = "cutmix"
    uniforms = 2  # the box centre (row, column)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray:
        """Box of side fraction sqrt(1 - lam0) per axis; M = 1 - inside (boolean, (n, H, W))."""
        return ~box_inside(box_bounds(np.sqrt(1.0 - lam0), size, u), size)

    def sample_boxes(self, n: int, size: Size, *, generator: torch.Generator | None = None,
                     device: torch.device | str | None = None,
                     dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """``sample`` (the same draws from the same generator) plus each box, int64 (n, 4):
        [top, bottom, left, right), where M = 0. ``mix(..., inplace=True)`` writes only the box."""
        n, size = check_count(n), check_size(size)
        lam0, u = self.draw(n, generator)
        bounds = box_bounds(np.sqrt(1.0 - lam0), size, u)
        mask, lam = finish(~box_inside(bounds, size), device, dtype)
        return mask, lam, bounds
