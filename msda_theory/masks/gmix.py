"""GMix (Park et al. 2022): a Gaussian mask (docs/theory.md section 2).

With a centre c uniform over pixel positions and l = min(lam0, 1 - lam0),

    G(p) = exp(-pi ||p - c||^2 / (l H W)),   M = G if lam0 < 1/2 else 1 - G.

The official code divides by l H H and so supports only square images; H W
keeps the integral of G near l H W for any aspect ratio (equal when H = W).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size, positions


def bump_factors(center_y: np.ndarray, center_x: np.ndarray, scale: np.ndarray, size: Size
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(exp(-rate (y - c_y)^2) (n, H), exp(-rate (x - c_x)^2) (n, W)), rate = pi / (scale H W), float64.

    exp(-rate (dy^2 + dx^2)) = exp(-rate dy^2) exp(-rate dx^2): the bump is their outer product.
    """
    h, w = size
    rate = math.pi / (scale.astype(np.float64) * h * w)  # (n,)
    dy2 = (np.arange(h) - center_y[:, None]) ** 2.0
    dx2 = (np.arange(w) - center_x[:, None]) ** 2.0
    return np.exp(-rate[:, None] * dy2), np.exp(-rate[:, None] * dx2)


def gaussian_bump(center_y: torch.Tensor, center_x: torch.Tensor, scale: torch.Tensor, size: Size) -> torch.Tensor:
    """G[k, p] = exp(-pi ||p - c_k||^2 / (scale_k H W)), float64 (n, H, W)."""
    ey, ex = bump_factors(center_y.numpy(), center_x.numpy(), scale.to(torch.float64).numpy(), size)
    return torch.from_numpy(ey[:, :, None] * ex[:, None, :])


@dataclass(frozen=True)
class GMix(BetaMaskFamily):
    """Gaussian masks centred at a uniform pixel, width set by min(lam0, 1 - lam0)."""

    name = "gmix"
    uniforms = 2  # the bump centre (row, column)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray:
        """M = G for lam0 < 1/2, 1 - G otherwise: M = offset + sign G, float64 (n, H, W)."""
        ell = np.maximum(np.minimum(lam0, 1.0 - lam0), 1e-300)
        ey, ex = bump_factors(positions(u[:, 0], size[0]), positions(u[:, 1], size[1]), ell, size)
        high = lam0 >= 0.5
        sign = np.where(high, -1.0, 1.0)[:, None, None]  # (n, 1, 1)
        return high[:, None, None] + sign * ey[:, :, None] * ex[:, None, :]  # (n, H, W)
