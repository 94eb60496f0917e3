"""FMix (Harris et al. 2020): a binarized low-frequency Fourier mask.

A random complex spectrum Z(f) ~ N(0, 1) + i N(0, 1), scaled by
1 / max(|f|, 1/max(H, W))^decay_power, is inverted to a real image g; the
round(lam0 H W) pixels of largest g are set to 1 and the rest to 0, so that
mean(M) matches the drawn ratio. The count is rounded stochastically,
floor(lam0 H W + u) with u ~ U[0, 1), so E[count] = lam0 H W exactly (the
official code flips a coin between ceil and floor). lam = mean(M) as always.
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import torch

from msda_theory.masks._base import BetaMaskFamily, Size, generator_device


def check_decay_power(decay_power: float) -> float:
    """Validate FMix's spectral decay power (> 0)."""
    if not isinstance(decay_power, (int, float)) or not np.isfinite(decay_power) or decay_power <= 0:
        raise ValueError(f"decay_power must be a finite number > 0, got {decay_power!r}")
    return float(decay_power)


def low_frequency_images(n: int, size: Size, decay_power: float, *, generator: torch.Generator | None) -> torch.Tensor:
    """Real images g = irfft2(Z / max(|f|, 1/max(H, W))^decay_power), float64 (n, H, W)."""
    h, w = size
    if n == 0:  # the FFT backend rejects empty batches
        return torch.zeros(0, h, w, dtype=torch.float64)
    fy = torch.fft.fftfreq(h, dtype=torch.float64)[:, None]
    fx = torch.fft.rfftfreq(w, dtype=torch.float64)[None, :]
    freq = torch.sqrt(fy**2 + fx**2)  # (H, W//2 + 1)
    scale = 1.0 / freq.clamp_min(1.0 / max(h, w)) ** decay_power
    where = generator_device(generator)  # a CUDA generator draws on its GPU; the spectrum is built on the CPU
    re = torch.randn(n, *freq.shape, generator=generator, device=where, dtype=torch.float64).cpu()
    im = torch.randn(n, *freq.shape, generator=generator, device=where, dtype=torch.float64).cpu()
    return torch.fft.irfft2(torch.complex(re, im) * scale, s=(h, w))


def binarize_top(values: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """1 at the count[k] largest entries of values[k] (n, H, W), 0 elsewhere (float64).

    The threshold is each image's count-th largest value, the (HW - count + 1)-th smallest,
    found by ``kthvalue`` (a selection, O(HW), no full sort): one call when every image keeps
    the same count (batch mode), else one per image. Ties have probability zero here.
    """
    n, h, w = values.shape
    flat = values.reshape(n, h * w)
    k = (h * w - count + 1).clamp(1, h * w)  # (n,)
    if n == 0:
        return values.new_zeros(0, h, w)
    if bool((k == k[0]).all()):
        threshold = flat.kthvalue(int(k[0]), dim=1, keepdim=True).values
    else:
        threshold = torch.stack([row.kthvalue(int(kk)).values for row, kk in zip(flat, k.tolist())])[:, None]
    keep = (flat >= threshold) & (count[:, None] > 0)
    return keep.to(torch.float64).reshape(n, h, w)


@dataclass(frozen=True)
class FMix(BetaMaskFamily):
    """Binary masks thresholding a random low-frequency image at the lam0 quantile."""

    decay_power: float = 3.0
    name = "fmix"
    uniforms = 1  # the stochastic rounding of the pixel count

    def __post_init__(self) -> None:
        super().__post_init__()
        check_decay_power(self.decay_power)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> torch.Tensor:
        """Top floor(lam0 H W + u) pixels of a low-frequency image are 1."""
        g = low_frequency_images(lam0.shape[0], size, self.decay_power, generator=generator)
        count = torch.from_numpy(np.floor(lam0 * size[0] * size[1] + u[:, 0]).astype(np.int64))
        return binarize_top(g, count)
