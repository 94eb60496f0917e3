"""HMix (Park et al. 2022): a CutMix box plus Mixup outside it (docs/theory.md section 2).

A CutMix box for area fraction r (1 - lam0) (side sqrt(r (1 - lam0))), clipped;
kappa = 1 - area / (H W); outside the box M = m = lam0 / kappa, inside M = 0.
Then mean(M) = m kappa = lam0 exactly. r = 0 is Mixup. r = 1 draws CutMix's
box, with the outside at lam0 / kappa, which is 1 (a binary CutMix mask) only
when the discretized, clipped box has area exactly (1 - lam0) H W; this is
the official code's behaviour and keeps lam = lam0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size
from msda_theory.masks.box import draw_box


def check_ratio(r: float) -> float:
    """Validate HMix's box share r in [0, 1]."""
    if not isinstance(r, (int, float)) or not 0.0 <= r <= 1.0:
        raise ValueError(f"r must be a number in [0, 1], got {r!r}")
    return float(r)


@dataclass(frozen=True)
class HMix(BetaMaskFamily):
    """Hybrid masks: 0 in a box of area share r (1 - lam0), lam0 / kappa elsewhere."""

    r: float = 0.5
    name = "hmix"
    uniforms = 2  # the box centre, drawn as CutMix draws it

    def __post_init__(self) -> None:
        super().__post_init__()
        check_ratio(self.r)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray:
        """M = (lam0 / kappa) outside the box, 0 inside; kappa = 1 - area/(H W). Float64 (n, H, W)."""
        h, w = size
        inside, area = draw_box(np.sqrt(self.r * (1.0 - lam0)), size, u)
        kappa = 1.0 - area / (h * w)
        # kappa = 0 only when the box covers the image, which needs lam0 = 0: then M = 0.
        outside = np.where(kappa > 0, lam0 / np.maximum(kappa, 1e-300), 0.0)
        return np.where(inside, 0.0, outside[:, None, None])
