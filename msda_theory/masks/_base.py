"""The mask-sampler protocol and the pieces every family shares (docs/theory.md section 2).

A mask law is anything with

    sample(n, size, *, generator=None, device=None, dtype=torch.float32) -> (mask, lam)

returning ``mask`` of shape (n, H, W) with values in [0, 1] (the weight on the
first image, shared by channels) and ``lam = mask.mean((-2, -1))`` of shape (n,):
the ratio actually shown. The rest of the toolkit (mixing, pixel weights,
regularizers) needs nothing else, so a user law plugs in by implementing it.

The built-in families draw a ratio lam0 ~ Beta(alpha, alpha) and then call
``render(lam0, size, ...)``, which draws the remaining randomness (box centre,
Gaussian centre, Fourier phases) and returns the masks for those ratios.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import torch
from scipy.special import betaincinv

Size = tuple[int, int]
CPU = torch.device("cpu")


@runtime_checkable
class MaskSampler(Protocol):
    """Anything that draws mixing masks: the only interface the toolkit relies on.

    A sampler whose masks are 0 on one axis-aligned box and 1 elsewhere (CutMix) may also
    offer ``sample_boxes(n, size, *, generator, device, dtype) -> (mask, lam, boxes)``, boxes
    (n, 4) [top, bottom, left, right): ``mix(..., inplace=True)`` in batch mode then writes only the box.
    """

    def sample(
        self,
        n: int,
        size: Size,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]: ...


def check_size(size: Any) -> Size:
    """Validate an image size (H, W) of positive ints and return it as a tuple."""
    if type(size) is tuple and len(size) == 2 and type(size[0]) is int and type(size[1]) is int:  # noqa: E721
        if size[0] > 0 and size[1] > 0:  # the common case, without the conversions below
            return size
    try:
        h, w = (int(s) for s in size)
        ok = all(int(s) == s for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"size must be a pair (H, W) of positive integers, got {size!r}") from None
    if not ok or h <= 0 or w <= 0:
        raise ValueError(f"size must be a pair (H, W) of positive integers, got {size!r}")
    return h, w


def check_count(n: Any) -> int:
    """Validate a number of masks (a non-negative int)."""
    if type(n) is int and n >= 0:  # noqa: E721 (the common case, without the checks below)
        return n
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a non-negative integer, got {n!r}")
    return int(n)


def check_alpha(alpha: float) -> float:
    """Validate the Beta(alpha, alpha) parameter."""
    if not isinstance(alpha, (int, float)) or not np.isfinite(alpha) or alpha <= 0:
        raise ValueError(f"alpha must be a finite number > 0, got {alpha!r}")
    return float(alpha)


def generator_device(generator: torch.Generator | None) -> torch.device:
    """Where ``generator`` draws: its own device (a CUDA generator on its GPU), the CPU for None (the global one)."""
    return CPU if generator is None else generator.device


def draw_uniform(*shape: int, generator: torch.Generator | None) -> torch.Tensor:
    """u ~ U[0, 1) of ``shape``, float64, drawn on the generator's device and returned on the CPU
    (a CPU draw as it is: ``.cpu()`` of a CPU tensor would still cost a dispatch)."""
    u = torch.rand(*shape, generator=generator, device=generator_device(generator), dtype=torch.float64)
    return u if u.is_cpu else u.cpu()


def draw_beta(n: int, alpha: float, *, generator: torch.Generator | None) -> torch.Tensor:
    """lam0 ~ Beta(alpha, alpha), shape (n,), float64, by inverting the Beta CDF.

    Inversion keeps the randomness in the caller's torch generator (torch's own
    Beta sampler does not take one): lam0 = I^{-1}_{alpha,alpha}(u), u ~ U[0, 1).
    """
    u = draw_uniform(n, generator=generator)
    return torch.from_numpy(betaincinv(alpha, alpha, u.numpy()))


def positions(u: np.ndarray, length: int) -> np.ndarray:
    """Pixel positions floor(u L), uniform over 0..L-1 for u ~ U[0, 1) (clamped against rounding up to L)."""
    return np.minimum((u * length).astype(np.int64), length - 1)  # floor: u >= 0


NUMPY_DTYPES: dict[torch.dtype, type] = {torch.float16: np.float16, torch.float32: np.float32,
                                          torch.float64: np.float64}
"""Mask dtypes that ``finish`` casts and averages in NumPy (others go through torch)."""


def finish(mask: np.ndarray | torch.Tensor, device: Any, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The shown masks M (n, H, W) = mask cast to ``dtype`` on ``device``, and lam = mean(M) (n,) (style point 4).

    A NumPy mask (what the built-in geometries but FMix's return) is cast and averaged in NumPy,
    lam accumulated in float64 and rounded once to ``dtype``, and both are wrapped without a copy: for
    the one mask of a batch that is a fraction of torch's per-operation cost. A tensor mask is cast
    and averaged in torch.
    """
    np_dtype = NUMPY_DTYPES.get(dtype)
    if isinstance(mask, np.ndarray) and np_dtype is not None:
        n, h, w = mask.shape
        shown = np.ascontiguousarray(mask, dtype=np_dtype)
        lam = (np.add.reduce(shown.reshape(n, h * w), 1, dtype=np.float64) / (h * w)).astype(np_dtype)
        out, ratio = torch.from_numpy(shown), torch.from_numpy(lam)
        return (out, ratio) if _on_cpu(device) else (out.to(device), ratio.to(device))
    mask = torch.as_tensor(mask).to(device=device, dtype=dtype)
    return mask, mask.mean((-2, -1))  # in dtype: exact for binary masks (FMix) below 2^24 pixels


def _on_cpu(device: torch.device | str | None) -> bool:
    """True for None (the default device of ``finish``'s callers, the CPU) and any CPU device."""
    if device is None or device == CPU:  # the common cases, without building a device
        return True
    return (device if isinstance(device, torch.device) else torch.device(device)).type == "cpu"


@dataclass(frozen=True)
class BetaMaskFamily:
    """Base of the built-in families: lam0 ~ Beta(alpha, alpha), then ``render``."""

    alpha: float = 1.0
    name: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_alpha(self.alpha)
        # alpha as a 0-d array for betaincinv, which otherwise converts a Python float on every call (at n = 1,
        # 0.26 of its 0.61 us here); not a field, so equality, params and JSON are those of alpha
        object.__setattr__(self, "_alpha", np.array(float(self.alpha)))

    @property
    def params(self) -> dict[str, float]:
        """The law's parameters, as written to JSON beside results."""
        return asdict(self)

    uniforms: ClassVar[int] = 0  # U[0, 1) numbers per mask that ``geometry`` consumes

    def sample(
        self,
        n: int,
        size: Size,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n masks (n, H, W) and their shown ratios lam = mean(mask), (n,).

        One generator call draws u (n, 1 + uniforms): lam0 = I^{-1}_{a,a}(u[:, 0]), the rest
        feeds ``geometry`` (box or bump centres), so a call costs few tensor operations.
        """
        n, size = check_count(n), check_size(size)
        lam0, u = self.draw(n, generator)
        mask = self.geometry(lam0, size, u, generator=generator, device=device, dtype=dtype)
        return finish(mask, device, dtype)

    def draw(self, n: int, generator: torch.Generator | None) -> tuple[np.ndarray, np.ndarray]:
        """(lam0 (n,), uniforms (n, self.uniforms)) from one generator call of u (n, 1 + uniforms)."""
        u = draw_uniform(n, 1 + self.uniforms, generator=generator).numpy()
        return betaincinv(self._alpha, self._alpha, u[:, 0]), u[:, 1:]

    def render(
        self,
        lam0: torch.Tensor,
        size: Size,
        *,
        generator: torch.Generator | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Masks (n, H, W) for given drawn ratios lam0 (n,), and lam = mean(mask) (n,)."""
        lam0 = lam0.detach().to(device="cpu", dtype=torch.float64).numpy()
        u = draw_uniform(lam0.shape[0], self.uniforms, generator=generator).numpy()
        mask = self.geometry(lam0, check_size(size), u, generator=generator, device=device, dtype=dtype)
        return finish(mask, device, dtype)

    def geometry(self, lam0: np.ndarray, size: Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> np.ndarray | torch.Tensor:
        """The family's masks (n, H, W) for drawn ratios lam0 (n,) and uniforms u (n, uniforms), float64 arrays.

        The few per-mask parameters are NumPy arithmetic (a fraction of torch's per-call cost);
        the mask is a NumPy array (float or bool; ``finish`` casts it and wraps it without a copy)
        or a tensor on ``device``, in ``dtype`` or float64.
        ``generator`` is only for randomness that is not uniform (FMix's spectrum).
        """
        raise NotImplementedError

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.name}({args})"
