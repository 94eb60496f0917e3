"""Mixup (Zhang et al. 2018): M = lam0 * 1, lam0 ~ Beta(alpha, alpha) (theory.md section 2)."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from msda_theory.masks._base import BetaMaskFamily, Size


@dataclass(frozen=True)
class Mixup(BetaMaskFamily):
    """Constant masks M = lam0 * 1 of shape (n, H, W)."""

    name = "mixup"

    def geometry(self, lam0: torch.Tensor, size: Size, *, generator: torch.Generator | None) -> torch.Tensor:
        """M[k] = lam0[k] everywhere; no further randomness."""
        return lam0[:, None, None].expand(-1, *size)
