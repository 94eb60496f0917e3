"""CutMix (Yun et al. 2019), as in the official code (theory.md section 2).

A box of side (floor(H sqrt(1 - lam0)), floor(W sqrt(1 - lam0))) with a centre
uniform over pixel positions and half-extents cut//2, clipped to the image;
M = 0 inside the box (the partner shows), 1 outside. lam = mean(M) = 1 - area/(H W).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from msda_theory.masks._base import BetaMaskFamily, Size
from msda_theory.masks.box import draw_box


@dataclass(frozen=True)
class CutMix(BetaMaskFamily):
    """Binary box masks: 0 in the clipped box, 1 elsewhere."""

    name = "cutmix"

    def geometry(self, lam0: torch.Tensor, size: Size, *, generator: torch.Generator | None) -> torch.Tensor:
        """Box of side fraction sqrt(1 - lam0) per axis; M = 1 - inside."""
        side = torch.sqrt(1.0 - lam0)
        inside, _ = draw_box(side, size, generator=generator)
        return (~inside).to(torch.float64)
