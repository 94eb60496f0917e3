"""Two synthetic tasks on real-image backgrounds: a spatially local and a spatially global label.

Claim 11 (docs/theory.md sections 4, 6, 9). Both tasks keep a real image as a
distractor background and plant the label in a pattern the background does not
carry:

- ``local``: a 3×3 pattern of one of two kinds, a '+' (label 0) or an '×'
  (label 1), same number of lit pixels, pasted at a uniform location:
  x[p] ← (1 − P[p]) x[p] + P[p] · 1 on the pattern's pixels P.
- ``global``: one period of a cosine across the whole image, along the rows
  (label 0) or the columns (label 1), with a uniform phase:
  x ← clip(x + amplitude · cos(2π t/L + φ), 0, 1).

Labels are balanced exactly (n/2 of each, shuffled), and everything random is
drawn from the caller's generator, so the same generator gives the same task.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

TASKS = ("local", "global")
PLUS = torch.tensor([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=torch.float32)
CROSS = torch.tensor([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=torch.float32)


@dataclass(frozen=True, eq=False)
class SyntheticTask:
    """Images x (n, C, H, W) float32 in [0, 1], labels y (n,) int64 in {0, 1}; num_classes = 2."""

    x: torch.Tensor
    y: torch.Tensor
    name: str
    num_classes: int = 2


def balanced_labels(n: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """A shuffled (n,) int64 vector with ⌈n/2⌉ zeros and ⌊n/2⌋ ones."""
    return (torch.arange(n) % 2)[torch.randperm(n, generator=generator)]


def _draw_backgrounds(backgrounds: torch.Tensor, n: int, generator: torch.Generator | None) -> torch.Tensor:
    if backgrounds.ndim != 4 or backgrounds.shape[0] == 0:
        raise ValueError(f"backgrounds must be a non-empty (N, C, H, W) tensor, got {tuple(backgrounds.shape)}")
    index = torch.randint(backgrounds.shape[0], (n,), generator=generator)
    return backgrounds[index].to(torch.float32).clone()


def local_task(backgrounds: torch.Tensor, n: int, *, generator: torch.Generator | None = None,
               background_scale: float = 0.6) -> SyntheticTask:
    """Label 0: a bright '+' at a uniform location; label 1: a bright '×' (3×3, 5 lit pixels each).

    Backgrounds are scaled by ``background_scale`` so that a lit pixel (value 1)
    is brighter than any background pixel.
    """
    x = _draw_backgrounds(backgrounds, n, generator) * background_scale
    _, c, h, w = x.shape
    if h < 3 or w < 3:
        raise ValueError(f"the local task needs images of at least 3×3, got {h}×{w}")
    y = balanced_labels(n, generator=generator)
    top = torch.randint(h - 2, (n,), generator=generator)
    left = torch.randint(w - 2, (n,), generator=generator)
    rows = top[:, None] + torch.arange(3)  # (n, 3)
    cols = left[:, None] + torch.arange(3)
    pattern = torch.where(y[:, None, None] == 0, PLUS, CROSS)  # (n, 3, 3)
    for k in range(n):  # pasting is O(n) tiny writes; clarity over speed
        patch = x[k][:, rows[k][:, None], cols[k][None, :]]  # (C, 3, 3)
        x[k][:, rows[k][:, None], cols[k][None, :]] = patch * (1 - pattern[k]) + pattern[k]
    return SyntheticTask(x, y, "local")


def global_task(backgrounds: torch.Tensor, n: int, *, generator: torch.Generator | None = None,
                amplitude: float = 0.15) -> SyntheticTask:
    """Label 0: amplitude·cos(2π i/H + φ) along rows; label 1: along columns; φ uniform; clipped to [0, 1]."""
    if not amplitude > 0:
        raise ValueError(f"amplitude must be > 0, got {amplitude!r}")
    x = _draw_backgrounds(backgrounds, n, generator)
    _, _, h, w = x.shape
    y = balanced_labels(n, generator=generator)
    phase = 2 * math.pi * torch.rand(n, generator=generator)
    along_rows = torch.cos(2 * math.pi * torch.arange(h)[None, :, None] / h + phase[:, None, None]).expand(n, h, w)
    along_cols = torch.cos(2 * math.pi * torch.arange(w)[None, None, :] / w + phase[:, None, None]).expand(n, h, w)
    wave = torch.where(y[:, None, None] == 0, along_rows, along_cols)  # (n, H, W)
    return SyntheticTask((x + amplitude * wave[:, None]).clamp(0, 1), y, "global")


def make_task(name: str, backgrounds: torch.Tensor, n: int, *, generator: torch.Generator | None = None,
              **params: float) -> SyntheticTask:
    """``local_task`` or ``global_task`` by name."""
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    build = local_task if name == "local" else global_task
    return build(backgrounds, n, generator=generator, **params)


def backgrounds(data: str = "fashion-mnist", *, size: int | None = None, split: str = "train",
                root: str | None = None) -> torch.Tensor:
    """Images of ``data`` as backgrounds (N, C, H, W), average-pooled to ``size`` × ``size`` if given."""
    from msda_theory import data as datasets

    x = datasets.load(data, root, split).x
    if size is not None and size != x.shape[-1]:
        x = torch.nn.functional.adaptive_avg_pool2d(x, size)
    return x
