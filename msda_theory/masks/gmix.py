"""GMix (Park et al. 2022): a Gaussian mask (theory.md section 2).

With a centre c uniform over pixel positions and l = min(lam0, 1 - lam0),

    G(p) = exp(-pi ||p - c||^2 / (l H W)),   M = G if lam0 < 1/2 else 1 - G.

The official code divides by l H H and so supports only square images; H W
keeps the integral of G near l H W for any aspect ratio (equal when H = W).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from msda_theory.masks._base import BetaMaskFamily, Size, draw_positions


def gaussian_bump(center_y: torch.Tensor, center_x: torch.Tensor, scale: torch.Tensor, size: Size) -> torch.Tensor:
    """G[k, p] = exp(-pi ||p - c_k||^2 / (scale_k H W)), float64 (n, H, W)."""
    h, w = size
    dy2 = (torch.arange(h, dtype=torch.float64) - center_y[:, None].to(torch.float64)) ** 2  # (n, H)
    dx2 = (torch.arange(w, dtype=torch.float64) - center_x[:, None].to(torch.float64)) ** 2  # (n, W)
    rate = math.pi / (scale.to(torch.float64) * h * w)  # (n,)
    # exp(-rate (dy^2 + dx^2)) = exp(-rate dy^2) exp(-rate dx^2): an outer product per sample.
    return torch.exp(-rate[:, None] * dy2)[:, :, None] * torch.exp(-rate[:, None] * dx2)[:, None, :]


@dataclass(frozen=True)
class GMix(BetaMaskFamily):
    """Gaussian masks centred at a uniform pixel, width set by min(lam0, 1 - lam0)."""

    name = "gmix"

    def geometry(self, lam0: torch.Tensor, size: Size, *, generator: torch.Generator | None) -> torch.Tensor:
        """M = G for lam0 < 1/2, 1 - G otherwise."""
        n = lam0.shape[0]
        cy = draw_positions(n, size[0], generator=generator)
        cx = draw_positions(n, size[1], generator=generator)
        ell = torch.minimum(lam0, 1.0 - lam0).clamp_min(1e-300)
        g = gaussian_bump(cy, cx, ell, size)
        mask = torch.where((lam0 < 0.5)[:, None, None], g, 1.0 - g)
        return mask
