"""The paper's Figure 3 analogue: two real photographs mixed by each strategy, masks beneath."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from msda_theory import masks
from msda_theory.figures.registry import FigureContext, figure, save_figure


def sample_photos() -> torch.Tensor:
    """scikit-learn's two sample photographs (china, flower) as float32 (2, 3, H, W) in [0, 1]."""
    from sklearn.datasets import load_sample_images

    images = load_sample_images().images  # two (427, 640, 3) uint8 arrays
    return torch.stack([torch.from_numpy(im.copy()).permute(2, 0, 1).float() / 255.0 for im in images])


def mask_examples(strategies: Sequence[str], lam: float, r: float, size: tuple[int, int], *,
                  generator: torch.Generator) -> dict[str, tuple[torch.Tensor, float]]:
    """One mask (H, W) per strategy at drawn ratio lam (HMix with box share r) and its shown ratio."""
    out = {}
    lam0 = torch.tensor([lam], dtype=torch.float64)
    for name in strategies:
        sampler = masks.get(name, r=r) if name == "hmix" else masks.get(name)
        mask, shown = sampler.render(lam0, size, generator=generator)
        out[name] = (mask[0], float(shown[0]))
    return out


def mask_grid(ax: Any, cols: int) -> tuple[Figure, np.ndarray]:
    """(figure, Axes (2, cols)): a new figure, or the caller's 2 x cols grid of Axes and their figure."""
    if ax is None:
        fig, axes = plt.subplots(2, cols, figsize=(2.6 * cols, 4.4))
        return fig, axes
    grid = np.asarray(ax, dtype=object)
    if grid.shape != (2, cols) or not all(isinstance(a, Axes) for a in grid.flat):
        raise ValueError(f"ax must be a 2 x {cols} grid of matplotlib Axes (images above, masks below), "
                         f"got shape {grid.shape}")
    return grid[0, 0].figure, grid


def plot_mask_examples(*, strategies: Sequence[str] = masks.PAPER_FAMILIES, lam: float = 0.65, r: float = 0.5,
                       seed: int = 0, downsample: int = 2, ax: Any = None) -> tuple[Figure, dict[str, float]]:
    """x~ = M * x1 + (1 - M) * x2 for each strategy at lam0 = lam, masks beneath; (Figure, shown ratio per strategy).

    ``ax``: a 2 x (2 + len(strategies)) grid of Axes to draw into (None: a new figure)."""
    if not 0.0 < lam < 1.0:
        raise ValueError(f"lam must be in (0, 1), got {lam!r}")
    photos = sample_photos()[:, :, ::downsample, ::downsample]
    x1, x2 = photos[0], photos[1]
    examples = mask_examples(strategies, lam, r, tuple(photos.shape[-2:]), generator=torch.Generator().manual_seed(seed))
    fig, axes = mask_grid(ax, 2 + len(examples))
    for a in axes.ravel():
        a.set_xticks([]), a.set_yticks([])
    axes[0, 0].imshow(x1.permute(1, 2, 0).numpy()), axes[0, 0].set_title("image 1")
    axes[0, 1].imshow(x2.permute(1, 2, 0).numpy()), axes[0, 1].set_title("image 2")
    axes[1, 0].axis("off"), axes[1, 1].axis("off")
    for k, (name, (m, shown)) in enumerate(examples.items(), start=2):
        mixed = m * x1 + (1 - m) * x2
        axes[0, k].imshow(mixed.permute(1, 2, 0).clamp(0, 1).numpy())
        label = f"{name} (r={r:g})" if name == "hmix" else name
        axes[0, k].set_title(f"{label}\nλ = mean(M) = {shown:.3f}", fontsize=9)
        axes[1, k].imshow(m.numpy(), cmap="gray", vmin=0, vmax=1)
        axes[1, k].set_title("mask M (white = image 1)", fontsize=8)
    fig.suptitle(f"MSDA examples at drawn λ0 = {lam:g} (Park et al. 2022, Fig. 3 analogue)")
    return fig, {name: shown for name, (_, shown) in examples.items()}


def draw_mask_examples(out_dir: Path, *, strategies: Sequence[str] = masks.PAPER_FAMILIES, lam: float = 0.65,
                       r: float = 0.5, seed: int = 0, downsample: int = 2) -> list[Path]:
    """``plot_mask_examples`` saved as 'masks.png/pdf/json' in out_dir."""
    fig, shown = plot_mask_examples(strategies=strategies, lam=lam, r=r, seed=seed, downsample=downsample)
    data = {name: {"lam_shown": value} for name, value in shown.items()}
    config = {"strategies": list(strategies), "lam0": lam, "r": r, "seed": seed, "downsample": downsample,
              "photos": "sklearn.datasets.load_sample_images (china.jpg, flower.jpg)"}
    return save_figure(fig, out_dir, "masks", data=data, config=config)


@figure("masks", "Two photographs mixed by Mixup, CutMix, HMix and GMix, with their masks")
def masks_figure(ctx: FigureContext) -> list[Path]:
    return draw_mask_examples(ctx.out_dir, seed=ctx.seed, downsample=4 if ctx.quick else 2)
