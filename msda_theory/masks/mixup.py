"""Mixup (Zhang et al. 2018): M = lam0 * 1, lam0 ~ Beta(alpha, alpha) (theory.md section 2)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from msda_theory.masks._base import BetaMaskFamily, Size, finish


@dataclass(frozen=True)
class Mixup(BetaMaskFamily):
    """Constant masks M = lam0 * 1 of shape (n, H, W)."""

    name = "mixup"

    def render(
        self,
        lam0: torch.Tensor,
        size: Size,
        *,
        generator: torch.Generator | None = None,
        device: Any = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """M[k] = lam0[k] everywhere; no further randomness."""
        mask = lam0.to(torch.float64)[:, None, None].expand(-1, *size)
        return finish(mask, device, dtype)
