"""Applying a mask law to a batch: x~ = M * x_i + (1 - M) * x_j, y~ = lam y_i + (1 - lam) y_j.

Theory.md section 2. One function, ``mix``, applies any sampler (built-in or
user-defined); ``MixAugment`` wraps it as a ``torch.nn.Module`` for a training
loop and ``MixCollate`` as a ``DataLoader`` ``collate_fn``. The caller's
tensors are never modified; the masks, ratios and partners used are returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import nn
from torch.utils.data import default_collate

from msda_theory.masks._base import MaskSampler

MODES = ("batch", "elem")
PAIRINGS = ("flip", "perm")


@dataclass(frozen=True)
class MixRecord:
    """What ``mix`` used: masks (1 or B, H, W), shown ratios lam (B,), partner indices (B,)."""

    mask: torch.Tensor
    lam: torch.Tensor
    partner: torch.Tensor


def soft_labels(y: torch.Tensor, num_classes: int | None, label_smoothing: float = 0.0) -> torch.Tensor:
    """Probability rows (B, K) from class indices (B,) or rows (B, K), then smoothing.

    Smoothing: y <- (1 - eps) y + eps / K (each row still sums to 1).
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    if y.ndim == 1 and not y.is_floating_point():
        if num_classes is None:
            raise ValueError("num_classes is required when labels are class indices")
        if num_classes < 1:
            raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
        low, high = (int(v) for v in torch.aminmax(y)) if y.numel() else (0, 0)  # one fused pass
        if low < 0 or high >= num_classes:
            raise ValueError(f"class indices must lie in [0, {num_classes}), got range [{int(low)}, {int(high)}]")
        rows = nn.functional.one_hot(y.long(), num_classes).to(torch.get_default_dtype())
    elif y.ndim == 2 and y.is_floating_point():
        if num_classes is not None and y.shape[1] != num_classes:
            raise ValueError(f"label rows have {y.shape[1]} columns but num_classes is {num_classes}")
        if y.numel() and ((y < 0).any() or not torch.allclose(y.sum(1), torch.ones_like(y[:, 0]), atol=1e-4)):
            raise ValueError("label rows must be non-negative and sum to 1")
        rows = y
    else:
        raise ValueError(f"labels must be class indices (B,) or probability rows (B, K), got shape {tuple(y.shape)} and dtype {y.dtype}")
    if label_smoothing == 0.0 and rows is not y:  # a fresh one-hot needs no further pass
        return rows
    return rows * (1.0 - label_smoothing) + label_smoothing / rows.shape[1]


def partners(batch: int, pairing: str, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """Partner index j(i) for each i: B-1-i ('flip', like the official code) or a random permutation ('perm')."""
    if pairing == "flip":
        return torch.arange(batch - 1, -1, -1)
    if pairing == "perm":
        return torch.randperm(batch, generator=generator)
    raise ValueError(f"pairing must be one of {PAIRINGS}, got {pairing!r}")


def _check_batch(x: torch.Tensor, y: torch.Tensor, mode: str) -> None:
    if not isinstance(x, torch.Tensor) or x.ndim != 4 or not x.is_floating_point():
        raise ValueError(f"x must be a floating tensor (B, C, H, W), got {getattr(x, 'shape', type(x))}")
    if x.shape[0] == 0:
        raise ValueError("x must hold at least one image")
    if not isinstance(y, torch.Tensor) or y.shape[0] != x.shape[0]:
        raise ValueError(f"y must be a tensor with one label per image ({x.shape[0]}), got {getattr(y, 'shape', type(y))}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def check_sample(mask: Any, lam: Any, n: int, size: tuple[int, int]) -> None:
    """Raise ValueError unless a sampler returned mask (n, H, W) with values in [0, 1] and lam (n,).

    The value range costs one fused pass (``torch.aminmax``) over the mask and one over lam.
    """
    if not isinstance(mask, torch.Tensor) or tuple(mask.shape) != (n, *size):
        raise ValueError(f"the sampler must return a mask of shape ({n}, {size[0]}, {size[1]}), "
                         f"got {tuple(getattr(mask, 'shape', ())) or type(mask).__name__}")
    if not isinstance(lam, torch.Tensor) or tuple(lam.shape) != (n,):
        raise ValueError(f"the sampler must return lam of shape ({n},), got {tuple(getattr(lam, 'shape', ())) or type(lam).__name__}")
    for name, values in (("mask", mask), ("lam", lam)):
        low, high = (float(v) for v in torch.aminmax(values))
        if not 0.0 <= low <= high <= 1.0:  # also false for NaN
            raise ValueError(f"the sampler's {name} values must lie in [0, 1], got range [{low:g}, {high:g}]")


def mix(
    x: torch.Tensor,
    y: torch.Tensor,
    sampler: MaskSampler,
    *,
    num_classes: int | None = None,
    mode: str = "batch",
    pairing: str = "flip",
    label_smoothing: float = 0.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor, MixRecord]:
    """x~ = M * x + (1 - M) * x[j],  y~ = lam y + (1 - lam) y[j],  lam = mean(M).

    Args:
        x: images (B, C, H, W), floating; not modified.
        y: class indices (B,) (then ``num_classes`` is required) or rows (B, K).
        sampler: any mask law with ``sample(n, size, *, generator, device, dtype)``.
        mode: 'batch' draws one mask for the batch, 'elem' one mask per image.
        pairing: 'flip' pairs i with B-1-i; 'perm' with a random permutation.
        label_smoothing: eps applied to the rows before mixing.
        generator: the source of all randomness (masks and permutation).

    Returns:
        (x_mixed (B, C, H, W), y_soft (B, K), MixRecord(mask, lam (B,), partner (B,))).
    """
    _check_batch(x, y, mode)
    rows = soft_labels(y, num_classes, label_smoothing).to(x.device)
    b, _, h, w = x.shape
    j = partners(b, pairing, generator=generator).to(x.device)
    n = 1 if mode == "batch" else b
    mask, lam = sampler.sample(n, (h, w), generator=generator, device=x.device, dtype=x.dtype)
    check_sample(mask, lam, n, (h, w))
    lam = lam.expand(b)
    # out starts as the partner images (a copy), then out += M (x - out): one pass, no temporaries.
    out = x.flip(0) if pairing == "flip" else x[j]
    out.lerp_(x, mask[:, None])  # mask (1 or B, 1, H, W) broadcasts over channels
    other = rows.flip(0) if pairing == "flip" else rows[j]
    y_soft = torch.lerp(other, rows, lam.to(rows.dtype)[:, None])  # lam y + (1 - lam) y[j], one operation
    return out, y_soft, MixRecord(mask=mask, lam=lam, partner=j)


class MixAugment(nn.Module):
    """``mix`` as a module: in training mode returns (x_mixed, y_soft); in eval mode (x, rows).

    The record of the last call is kept in ``last_record``.
    """

    def __init__(
        self,
        sampler: MaskSampler,
        num_classes: int,
        *,
        mode: str = "batch",
        pairing: str = "flip",
        label_smoothing: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.sampler, self.num_classes, self.mode, self.pairing = sampler, num_classes, mode, pairing
        self.label_smoothing, self.generator = label_smoothing, generator
        self.last_record: MixRecord | None = None

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.training:
            return x, soft_labels(y, self.num_classes, self.label_smoothing).to(x.device)
        out, y_soft, self.last_record = mix(
            x, y, self.sampler, num_classes=self.num_classes, mode=self.mode, pairing=self.pairing,
            label_smoothing=self.label_smoothing, generator=self.generator,
        )
        return out, y_soft


class MixCollate:
    """A ``DataLoader`` collate_fn: stacks (image, label) pairs, then mixes the batch.

    Pass ``seed`` rather than a generator so that the object pickles to worker
    processes; each instance draws from its own ``torch.Generator``.
    """

    def __init__(self, sampler: MaskSampler, num_classes: int, *, mode: str = "batch", pairing: str = "flip",
                 label_smoothing: float = 0.0, seed: int | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.sampler, self.num_classes, self.mode, self.pairing = sampler, num_classes, mode, pairing
        self.label_smoothing, self.seed = label_smoothing, seed
        self._generator: torch.Generator | None = None

    def __call__(self, batch: Sequence[Any]) -> tuple[torch.Tensor, torch.Tensor]:
        if self._generator is None:
            self._generator = torch.Generator()
            if self.seed is None:
                self._generator.seed()
            else:
                self._generator.manual_seed(self.seed)
        x, y = default_collate(batch)
        out, y_soft, _ = mix(x, y, self.sampler, num_classes=self.num_classes, mode=self.mode, pairing=self.pairing,
                             label_smoothing=self.label_smoothing, generator=self._generator)
        return out, y_soft

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_generator"] = None  # a worker starts its own stream from the seed
        return state
