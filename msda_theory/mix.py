"""Applying a mask law to a batch: x~ = M * x_i + (1 - M) * x_j, y~ = lam y_i + (1 - lam) y_j.

docs/theory.md section 2. One function, ``mix``, applies any sampler (built-in or
user-defined); ``MixAugment`` wraps it as a ``torch.nn.Module`` for a training
loop and ``MixCollate`` as a ``DataLoader`` ``collate_fn``. The caller's
tensors are never modified; the masks, ratios and partners used are returned.

Devices and dtypes: masks are drawn on ``x.device`` in ``x.dtype`` and the
label rows come out in ``x.dtype``; a generator on another device (a CUDA
``torch.Generator``) draws there. Label rows must sum to 1 unless
``multi_label=True`` (targets of a BCE loss: each entry in [0, 1]).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import default_collate, get_worker_info

from msda_theory.labels import one_hot_rows, refuse_non_finite, soft_labels
from msda_theory.masks import CutMix, FMix, GMix, HMix, Mixup
from msda_theory.masks._base import MaskSampler, generator_device

MODES = ("batch", "elem")
PAIRINGS = ("flip", "perm")
IMAGE_KEYS = ("image", "images", "img", "pixel_values", "x", "input", "inputs")
LABEL_KEYS = ("label", "labels", "target", "targets", "y")
__all__ = ["MixAugment", "MixCollate", "MixRecord", "check_sample", "mix", "one_hot_rows", "partners",
           "refuse_non_finite", "soft_labels", "stream_seed"]
VERIFIED_SAMPLERS = (Mixup, CutMix, HMix, GMix, FMix)
"""Sampler classes (exactly these, not subclasses) whose output the property tests hold to the contract
(``tests/masks/test_families.py``): ``mix`` skips ``check_sample`` for them, and checks every other sampler."""


@dataclass(frozen=True)
class MixRecord:
    """What ``mix`` used: masks (1 or B, H, W), shown ratios lam (B,), partner indices (B,).

    ``partner`` of a 'flip' pairing, B-1-i, is built on first access (``mix`` itself does not index with it).
    """

    mask: torch.Tensor
    lam: torch.Tensor
    permutation: torch.Tensor | None  # the partners of a 'perm' pairing; None for 'flip'

    @property
    def partner(self) -> torch.Tensor:
        """j(i) for each i, (B,): the permutation, or B-1-i for 'flip'."""
        if self.permutation is not None:
            return self.permutation
        return partners(self.lam.shape[0], "flip", device=self.mask.device)


def partners(batch: int, pairing: str, *, generator: torch.Generator | None = None,
             device: torch.device | str | None = None) -> torch.Tensor:
    """Partner index j(i) for each i: B-1-i ('flip', like the official code) or a random permutation ('perm'),
    on ``device`` (default: the CPU)."""
    if pairing == "flip":
        return torch.arange(batch - 1, -1, -1, device=device)
    if pairing == "perm":
        return torch.randperm(batch, generator=generator, device=generator_device(generator)).to(device)
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
    multi_label: bool = False,
    generator: torch.Generator | None = None,
    inplace: bool = False,
    check_finite: bool = True,
) -> tuple[torch.Tensor, torch.Tensor, MixRecord]:
    """x~ = M * x + (1 - M) * x[j],  y~ = lam y + (1 - lam) y[j],  lam = mean(M).

    Args:
        x: images (B, C, H, W), floating; not modified unless ``inplace``.
        y: class indices (B,) (then ``num_classes`` is required) or rows (B, K).
        sampler: any mask law with ``sample(n, size, *, generator, device, dtype)``.
        mode: 'batch' draws one mask for the batch, 'elem' one mask per image.
        pairing: 'flip' pairs i with B-1-i; 'perm' with a random permutation.
        label_smoothing: eps applied to the rows before mixing.
        multi_label: rows are BCE targets in [0, 1] that need not sum to 1.
        generator: the source of all randomness (masks and permutation), on any device.
        inplace: write x~ into x (as timm and the official HMix/GMix code do) and return x. In batch
            mode with a box sampler (CutMix) only the box is written. Without it, a new output is
            made by one copy and one lerp, which measured as fast or faster here than copying x and then the
            box (that took 0.99-1.58x the time from 32 to 224 px), so the box is only used in place.
        check_finite: refuse x holding NaN or +-inf (``ValueError: x holds N non-finite values``), the
            default. It is one more pass over x (measured in one run: 5.6 us of a 33 us Mixup call at
            2x1x4x4, a sum read as a Python number; earlier, at 64x3x224x224 it took Mixup from 0.8x to 1.07x the official call's time and the
            in-place CutMix from 0.54x to 0.96x), so a caller that has checked its data already may turn it
            off: ``fit`` checks its tensors once at load (a DataLoader's batches one by one) and mixes with
            ``check_finite=False``. Label rows given as probabilities are always checked.

    Returns:
        (x_mixed (B, C, H, W), y_soft (B, K) in x.dtype, MixRecord(mask (1 or B, H, W) on
        x.device in x.dtype, lam (B,), partner (B,))).
    """
    _check_batch(x, y, mode)
    if check_finite:
        refuse_non_finite(x, "x")
    rows = _label_rows(y, num_classes, label_smoothing, multi_label, x)
    b, _, h, w = x.shape
    device, flip = x.device, pairing == "flip"
    if not flip:
        j = partners(b, pairing, generator=generator, device=device)
    n = 1 if mode == "batch" else b
    boxes = None
    if inplace and mode == "batch" and hasattr(sampler, "sample_boxes"):  # M = 0 on one box, 1 elsewhere
        mask, lam, boxes = sampler.sample_boxes(n, (h, w), generator=generator, device=device, dtype=x.dtype)
    else:
        mask, lam = sampler.sample(n, (h, w), generator=generator, device=device, dtype=x.dtype)
    if type(sampler) not in VERIFIED_SAMPLERS:
        check_sample(mask, lam, n, (h, w))
    if boxes is not None:  # in place, only the box changes: copy the partners' box into it
        top, bottom, left, right = boxes[0].tolist()
        inside = x.narrow(2, top, bottom - top).narrow(3, left, right - left)  # narrow: cheaper than slicing
        inside.copy_(inside.flip(0) if flip else inside[j])  # the right side is a copy
        out = x
    elif inplace:  # x += (1 - M) (x[j] - x)
        x.lerp_(x.flip(0) if flip else x[j], 1.0 - (mask if n == 1 else mask.unsqueeze(1)))
        out = x
    else:  # out starts as the partner images (a copy), then out += M (x - out): one pass, no temporaries
        out = x.flip(0) if flip else x[j]
        out.lerp_(x, mask if n == 1 else mask.unsqueeze(1))  # one mask (1, H, W) broadcasts as it is
    weight = lam if lam.dtype == rows.dtype else lam.to(rows.dtype)
    weight = weight if n == 1 else weight.unsqueeze(1)  # one lam (1,) broadcasts over (B, K); B need (B, 1)
    y_soft = (rows.flip(0) if flip else rows[j]).lerp_(rows, weight)  # lam y + (1 - lam) y[j] on a copy of y[j]
    return out, y_soft, MixRecord(mask, lam.expand(b), None if flip else j)  # positional: cheaper


def _label_rows(y: torch.Tensor, num_classes: int | None, label_smoothing: float, multi_label: bool,
                like: torch.Tensor) -> torch.Tensor:
    """``soft_labels`` in the dtype and on the device of ``like`` (class indices: built there directly)."""
    if y.ndim == 1 and not y.is_floating_point():
        return one_hot_rows(y, num_classes, label_smoothing, dtype=like.dtype, device=like.device)
    return soft_labels(y, num_classes, label_smoothing, multi_label=multi_label).to(like.device, like.dtype)


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
        multi_label: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self.sampler, self.num_classes, self.mode, self.pairing = sampler, num_classes, mode, pairing
        self.label_smoothing, self.multi_label, self.generator = label_smoothing, multi_label, generator
        self.last_record: MixRecord | None = None

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.training:
            rows = soft_labels(y, self.num_classes, self.label_smoothing, multi_label=self.multi_label)
            return x, rows.to(x.device, x.dtype)
        out, y_soft, self.last_record = mix(
            x, y, self.sampler, num_classes=self.num_classes, mode=self.mode, pairing=self.pairing,
            label_smoothing=self.label_smoothing, multi_label=self.multi_label, generator=self.generator,
        )
        return out, y_soft


def _find_key(batch: dict[str, Any], getter: str, defaults: tuple[str, ...], what: str) -> str:
    """The key of ``what`` in a dict batch: ``getter`` itself, or (``"default"``) the first of ``defaults``
    present, compared case-insensitively (torchvision's labels_getter convention)."""
    if getter != "default":
        if getter not in batch:
            raise ValueError(f"the batch has no key {getter!r} for the {what}; its keys: {sorted(batch)}")
        return getter
    lower = {str(key).lower(): key for key in batch}
    for name in defaults:
        if name in lower:
            return lower[name]
    raise ValueError(f"no {what} key among {sorted(batch)}; name it with {what}_getter=KEY "
                     f"(default looks for {', '.join(defaults)})")


def stream_seed(seed: int, worker_seed: int | None) -> int:
    """A 63-bit seed from ``SeedSequence([seed])`` (main process) or ``SeedSequence([seed, worker_seed])``."""
    entropy = [seed] if worker_seed is None else [seed, worker_seed]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> np.uint64(1))


class MixCollate:
    """A ``DataLoader`` collate_fn: stacks the samples, then mixes the batch with ``mix``.

    Samples are (image, label) pairs, or dicts: the images and labels are then found by
    ``images_getter`` / ``labels_getter`` (a key, or ``"default"``: the first of ``IMAGE_KEYS`` /
    ``LABEL_KEYS`` present) and the dict comes back with both replaced by the mixed ones.

    Randomness: each process draws from its own ``torch.Generator``. In the main process
    (``num_workers=0``) it is seeded with ``stream_seed(seed, None)`` once and continues over the
    epochs. A worker seeds it with ``stream_seed(seed, info.seed)``, where ``info.seed`` (from
    ``get_worker_info``) is the loader's per-epoch base seed + worker id: every worker of every
    epoch has its own stream, and a loader seeded with ``generator=torch.Generator().manual_seed(s)``
    (or under a seeded torch) reproduces the run. ``seed=None``: fresh entropy per process.
    """

    def __init__(self, sampler: MaskSampler, num_classes: int, *, mode: str = "batch", pairing: str = "flip",
                 label_smoothing: float = 0.0, multi_label: bool = False, seed: int | None = None,
                 labels_getter: str = "default", images_getter: str = "default") -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not isinstance(labels_getter, str) or not isinstance(images_getter, str):
            raise ValueError(f"labels_getter and images_getter must be 'default' or a key, got {labels_getter!r} "
                             f"and {images_getter!r}")
        self.sampler, self.num_classes, self.mode, self.pairing = sampler, num_classes, mode, pairing
        self.label_smoothing, self.multi_label, self.seed = label_smoothing, multi_label, seed
        self.labels_getter, self.images_getter = labels_getter, images_getter
        self._generator: torch.Generator | None = None
        self._stream: int | None = None  # the worker seed the generator was started for (None: main process)

    def generator(self) -> torch.Generator:
        """This process's stream, (re)started when the worker, or the epoch of a worker, changed."""
        info = get_worker_info()
        stream = None if info is None else int(info.seed)
        if self._generator is None or stream != self._stream:
            self._generator, self._stream = torch.Generator(), stream
            if self.seed is None:
                self._generator.seed()
            else:
                self._generator.manual_seed(stream_seed(self.seed, stream))
        return self._generator

    def __call__(self, batch: Sequence[Any]) -> Any:
        collated = default_collate(batch)
        x, y, rebuild = self._split(collated)
        out, y_soft, _ = mix(x, y, self.sampler, num_classes=self.num_classes, mode=self.mode, pairing=self.pairing,
                             label_smoothing=self.label_smoothing, multi_label=self.multi_label,
                             generator=self.generator())
        return rebuild(out, y_soft)

    def _split(self, collated: Any) -> tuple[torch.Tensor, torch.Tensor, Callable[[Any, Any], Any]]:
        """(images, labels, rebuild) of a collated batch: a dict, or an (x, y) pair."""
        if isinstance(collated, dict):
            x_key = _find_key(collated, self.images_getter, IMAGE_KEYS, "images")
            y_key = _find_key(collated, self.labels_getter, LABEL_KEYS, "labels")
            return collated[x_key], collated[y_key], lambda out, ys: {**collated, x_key: out, y_key: ys}
        if not isinstance(collated, (tuple, list)) or len(collated) != 2:
            raise ValueError("MixCollate needs (image, label) samples or dicts of them")
        return collated[0], collated[1], lambda out, ys: (out, ys)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_generator"] = None  # a worker starts its own stream
        return state
