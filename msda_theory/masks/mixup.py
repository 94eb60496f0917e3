"""Mixup (Zhang et al. 2018): M = lam0 * 1, lam0 ~ Beta(alpha, alpha) (docs/theory.md section 2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size


@dataclass(frozen=True)
class Mixup(BetaMaskFamily):
    """Constant masks M = lam0 * 1 of shape (n, H, W)."""

    name = "mixup"

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray:
        """M[k] = lam0[k] everywhere; no further randomness. Float64 (n, H, W)."""
        return np.repeat(lam0, size[0] * size[1]).reshape(lam0.shape[0], *size)
