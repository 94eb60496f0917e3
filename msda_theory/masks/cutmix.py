"""CutMix (Yun et al. 2019), as in the official code (docs/theory.md section 2).

A box of side (floor(H sqrt(1 - lam0)), floor(W sqrt(1 - lam0))) with a centre
uniform over pixel positions and half-extents cut//2, clipped to the image;
M = 0 inside the box (the partner shows), 1 outside. lam = mean(M) = 1 - area/(H W).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size
from msda_theory.masks.box import draw_box


@dataclass(frozen=True)
class CutMix(BetaMaskFamily):
    """Binary box masks: 0 in the clipped box, 1 elsewhere."""

    name = "cutmix"
    uniforms = 2  # the box centre (row, column)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> torch.Tensor:
        """Box of side fraction sqrt(1 - lam0) per axis; M = 1 - inside."""
        inside, _ = draw_box(np.sqrt(1.0 - lam0), size, u)
        return torch.from_numpy(~inside).to(device=device, dtype=dtype)
