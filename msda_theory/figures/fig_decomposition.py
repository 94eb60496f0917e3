"""Figures of the decomposition, plotted from the stored results: Taylor slopes (claim 5), the explained
fraction of the MSDA excess along training and against the perturbation scale t (claim 7)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from msda_theory.checks.claim_07_training import BAND, holds_up_to
from msda_theory.figures.registry import FigureContext, figure, save_figure


@figure("taylor_slopes", "|remainder| of the decomposition versus the perturbation scale t (slope 3)")
def taylor_slopes_figure(ctx: FigureContext) -> list[Path]:
    result = ctx.results("taylor")[0]
    ts = np.asarray(result["ts"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for ax, loss in zip(axes, ("ce", "bce")):
        for row in (r for r in result["rows"] if r["loss"] == loss):
            ax.loglog(ts, np.abs(row["remainder"]), "o-", label=f"{row['family']} (slope {row['slope']:.2f})")
        ref = np.abs(result["rows"][0]["remainder"][0]) * (ts / ts[0]) ** 3
        ax.loglog(ts, ref, "k--", lw=0.8, label="slope 3")
        ax.set(title=f"loss {loss} (digits, n = {ctx.experiment_preset} preset)", xlabel="t")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("|remainder(t)|")
    slopes = [r["slope"] for r in result["rows"]]
    assert all(np.isfinite(slopes)), "every slope must be finite"
    return save_figure(fig, ctx.out_dir, "taylor_slopes", data=result,
                       config={"preset": ctx.experiment_preset, "seed": ctx.seed})


@figure("msda_loss_tracking", "Explained fraction (R1 + R2 + R3) / (L_msda − L_std) along MSDA training, per family")
def msda_loss_tracking_figure(ctx: FigureContext) -> list[Path]:
    runs = ctx.results("tracking")
    main = [r for r in runs if r["alpha"] == 1.0]
    fig, axes = plt.subplots(2, len(main), figsize=(3.2 * len(main), 5.6), sharex=True, sharey="row",
                             gridspec_kw={"height_ratios": [3, 2]}, squeeze=False)
    for col, run in enumerate(main):
        rows = run["rows"]
        epoch = [r["epoch"] for r in rows]
        top, bottom = axes[0, col], axes[1, col]
        top.plot(epoch, [r["l_msda"] - r["l_std"] for r in rows], "o-", label="L_msda − L_std (MSDA excess)")
        top.plot(epoch, [r["r1"] + r["r2"] + r["r3"] for r in rows], "x--", label="R1 + R2 + R3")
        top.set_title(f"{run['family']}: gradient cos {run['alignment']['cosine']:.3f} ± "
                      f"{run['alignment']['cosine_se']:.3f} (last epoch)", fontsize=8)
        frac = np.array([r["explained"] for r in rows[1:]], dtype=float)
        se = np.array([r["explained_se"] for r in rows[1:]], dtype=float)
        bottom.errorbar(epoch[1:], frac, yerr=1.96 * se, fmt="o-", capsize=3, label="α = 1")
        for other in (r for r in runs if r["family"] == run["family"] and r["alpha"] != 1.0):
            bottom.plot(other["rows"][-1]["epoch"], other["rows"][-1]["explained"], "s", ms=4,
                        label=f"α = {other['alpha']:g} (last epoch)")
        bottom.axhspan(0.8, 1.2, color="green", alpha=0.1)
        bottom.axhline(1.0, color="black", lw=0.8)
        bottom.set_xlabel("epoch")
        bottom.legend(fontsize=6)
    axes[0, 0].set_ylabel("on a fixed training subset")
    axes[1, 0].set_ylabel("explained fraction\n(± 1.96 SE; band: holds)")
    axes[0, 0].legend(fontsize=7)
    first = main[0]
    fig.suptitle(f"R1 + R2 + R3 against the MSDA excess along training (tanh CNN, {first['data']}, "
                 f"n = {first['n_eval']} images × {first['n_masks']} draws; Zhang et al. 2021 Fig. 1 analogue)\ngradient "
                 "cos = cos(∇θ L_msda, ∇θ (L_std + R1 + R2 + R3)), jackknife SE",
                 fontsize=9)
    return save_figure(fig, ctx.out_dir, "msda_loss_tracking", data={"runs": runs},
                       config={"preset": ctx.experiment_preset, "seed": ctx.seed})


def plot_explained_by_scale(runs: list[dict[str, Any]], ax: plt.Axes) -> dict[str, float | None]:
    """Draw explained(t) ± 1.96 SE at the trained model per α = 1 family (and the epoch-0 row at t = 1) into
    ``ax``; return each family's t* (the largest scanned t up to which every interval lies in the band)."""
    t_stars: dict[str, float | None] = {}
    for run in (r for r in runs if r["alpha"] == 1.0):
        scan = run["t_scan"]["trained"]
        t_star = t_stars[run["family"]] = holds_up_to(scan)
        where = f"t* = {t_star:g}" if t_star is not None else f"t* < {min(scan['t']):g}"
        line = ax.errorbar(scan["t"], scan["explained"], yerr=1.96 * np.asarray(scan["explained_se"]), fmt="o-",
                           capsize=2, label=f"{run['family']} ({where})")
        ax.plot(1.0, run["rows"][0]["explained"], "^", color=line[0].get_color(), ms=5, fillstyle="none")
    ax.plot([], [], "k^", fillstyle="none", label="before training (t = 1)")
    ax.axhspan(*BAND, color="green", alpha=0.1)
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set(xscale="log", xlabel="perturbation scale t (δ → tδ)",
           ylabel="explained fraction (± 1.96 SE)")
    ax.legend(fontsize=7)
    return t_stars


@figure("explained_by_scale", "Explained fraction of the MSDA excess versus the perturbation scale t, trained models")
def explained_by_scale_figure(ctx: FigureContext) -> list[Path]:
    runs = ctx.results("tracking")
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    t_stars = plot_explained_by_scale(runs, ax)
    first = runs[0]
    ax.set_title(f"(R1 + R2 + R3)(t) / (L_msda(t) − L_std) after the last epoch, α = 1 (band: the truncation holds)\n"
                 f"tanh CNN, {first['data']}, n = {first['n_eval']} images × {first['n_masks']} draws, the same "
                 "draws at every t", fontsize=8)
    assert t_stars, "the tracking result must hold an α = 1 run"
    return save_figure(fig, ctx.out_dir, "explained_by_scale", data={"t_star": t_stars, "runs": runs},
                       config={"preset": ctx.experiment_preset, "seed": ctx.seed})
