"""Mixup (Zhang et al. 2018): M = lam0 * 1, lam0 ~ Beta(alpha, alpha) (docs/theory.md section 2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import betaincinv

from msda_theory.masks._base import BetaMaskFamily, Size, _on_cpu, check_count, check_size, draw_uniform

EXACT_MEAN_PIXELS = 2**29
"""Below this many pixels the float64 sum of k copies of a float32 (24-bit) value v is exact, so mean = v."""
EXACT_MEAN_DTYPES: dict[torch.dtype, type] = {torch.float32: np.float32, torch.float16: np.float16}
"""Mask dtypes whose mean ``Mixup.sample`` takes as v itself (float64: k v rounds; bfloat16: torch's path)."""


@dataclass(frozen=True)
class Mixup(BetaMaskFamily):
    """Constant masks M = lam0 * 1 of shape (n, H, W)."""

    name = "mixup"

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray:
        """M[k] = lam0[k] everywhere; no further randomness. Float64 (n, H, W)."""
        return np.repeat(lam0, size[0] * size[1]).reshape(lam0.shape[0], *size)

    def sample(
        self,
        n: int,
        size: Size,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Masks M (n, H, W) = v everywhere, v = lam0 rounded to ``dtype``, and lam = mean(M) = v (n,).

        The general path's values bit for bit (``tests/masks/test_families.py`` holds them equal), without its
        mean: for float32 and float16 the float64 sum of k = H W copies of v is exact below
        ``EXACT_MEAN_PIXELS``, and so is k v / k, so mean(M) is v. Other dtypes (float64, where k v rounds,
        and bfloat16) and larger images take ``BetaMaskFamily.sample``.
        """
        n, size = check_count(n), check_size(size)
        np_dtype, pixels = EXACT_MEAN_DTYPES.get(dtype), size[0] * size[1]
        if np_dtype is None or pixels >= EXACT_MEAN_PIXELS:
            return super().sample(n, size, generator=generator, device=device, dtype=dtype)
        u = draw_uniform(n, generator=generator).numpy()  # the numbers of ``draw``'s u (n, 1): no uniforms follow
        shown = betaincinv(self._alpha, self._alpha, u).astype(np_dtype)  # v (n,)
        mask = torch.from_numpy(shown.repeat(pixels).reshape(n, *size))  # a method: no array-function dispatch
        lam = torch.from_numpy(shown)
        return (mask, lam) if _on_cpu(device) else (mask.to(device), lam.to(device))
