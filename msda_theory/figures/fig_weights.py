"""Figures of the pixel-pair weights a_pq (docs/theory.md section 6): profiles, heatmaps, HMix sweep, GMix form.

Each plots the stored ``profiles`` experiment (``experiments.analytic.run_profiles``), the result that rows
3, 3b and 3c judge.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from msda_theory.figures.registry import FigureContext, figure, save_figure


def _profiles(ctx: FigureContext) -> dict[str, Any]:
    return ctx.results("profiles")[0]["figure"]


@figure("apq_profiles", "Distance profile of a_pq per strategy")
def apq_profiles(ctx: FigureContext) -> list[Path]:
    stored = _profiles(ctx)
    size, alpha = stored["size"], stored["alpha"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    data = {}
    for label, got in stored["samplers"].items():
        prof = got["profile"]
        if "se" in prof:
            ax.errorbar(prof["distance"], prof["mean"], yerr=prof["se"], marker=".", capsize=2, label=f"{label}, ±1 SE")
        else:
            ax.plot(prof["distance"], prof["mean"], marker=".", label=label)
        data[label] = prof
    ax.set_xlabel("Chebyshev distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"Pixel-pair weights a_pq vs distance, {size[0]}x{size[1]}, alpha = {alpha:g}")
    ax.legend(fontsize=8, ncol=2)
    assert abs(data["Mixup"]["mean"][0] - data["Mixup"]["mean"][-1]) < 1e-12
    return save_figure(fig, ctx.out_dir, "apq_profiles", data=data, config={"size": size, "alpha": alpha})


@figure("apq_heatmaps", "a_pq rows of a centre and a corner pixel per strategy")
def apq_heatmaps(ctx: FigureContext) -> list[Path]:
    stored = _profiles(ctx)
    (h, w), alpha = stored["size"], stored["alpha"]
    cases = stored["samplers"]
    fig, axes = plt.subplots(2, len(cases), figsize=(2.1 * len(cases), 4.6), constrained_layout=True)
    data = {}
    for j, (label, got) in enumerate(cases.items()):
        for i, (where, pixel) in enumerate((("centre", (h // 2, w // 2)), ("corner", (0, 0)))):
            row = np.asarray(got["rows"][where])
            im = axes[i, j].imshow(row, cmap="viridis")
            axes[i, j].plot(pixel[1], pixel[0], "r+", markersize=8)
            axes[i, j].set_xticks([0, w - 1]), axes[i, j].set_yticks([0, h - 1])
            fig.colorbar(im, ax=axes[i, j], shrink=0.7)
            data[f"{label} {pixel}"] = row
        axes[0, j].set_title(label, fontsize=9)
    axes[0, 0].set_ylabel("centre pixel (+)\ny (pixels)")
    axes[1, 0].set_ylabel("corner pixel (+)\ny (pixels)")
    fig.supxlabel(f"x (pixels); colour: a_pq for q over the {h}x{w} image, alpha = {alpha:g}")
    return save_figure(fig, ctx.out_dir, "apq_heatmaps", data=data, config={"size": [h, w], "alpha": alpha})


@figure("hmix_r_sweep", "HMix profile from r = 0 (Mixup) to r = 1, with CutMix for reference")
def hmix_r_sweep(ctx: FigureContext) -> list[Path]:
    stored = _profiles(ctx)
    size, alpha = stored["size"], stored["alpha"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    cmap = plt.get_cmap("viridis")
    data = {}
    for key, prof in stored["hmix_sweep"].items():
        r = float(key)
        note = " (= Mixup)" if r == 0 else (" (CutMix box, lam kept = lam0)" if r == 1 else "")
        ax.plot(prof["distance"], prof["mean"], color=cmap(r * 0.9), marker=".", label=f"HMix r={r:g}{note}")
        data[f"r={r:g}"] = prof
    cut = stored["samplers"]["CutMix"]["profile"]
    ax.plot(cut["distance"], cut["mean"], "k--", label="CutMix (not HMix r=1)")
    data["cutmix"] = cut
    ax.set_xlabel("Chebyshev distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"HMix between its limits, {size[0]}x{size[1]}, alpha = {alpha:g}")
    ax.legend(fontsize=8)
    return save_figure(fig, ctx.out_dir, "hmix_r_sweep", data=data,
                       config={"size": size, "alpha": alpha, "r": [float(k) for k in stored["hmix_sweep"]]})


@figure("gmix_profile", "GMix exact profile vs its Gaussian continuum form")
def gmix_profile(ctx: FigureContext) -> list[Path]:
    stored = _profiles(ctx)
    g, size, alpha = stored["gmix"], stored["size"], stored["alpha"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(g["distance"], g["exact"], "o", markersize=3, label=f"exact (quadrature error {g['quadrature_error']:.0e})")
    ax.plot(g["distance"], g["no_border_form"], "-", label="no-border form E[l - 2l² + (l/2) exp(-π d²/(2 l H W))]")
    ax.plot(g["distance"], g["gaussian_term"], ":", label="Gaussian term alone E[(l/2) exp(-π d²/(2 l H W))]")
    ax.set_xlabel("Euclidean distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"GMix, {size[0]}x{size[1]}, alpha = {alpha:g}, l = min(lam0, 1 - lam0)")
    ax.legend(fontsize=8)
    assert g["quadrature_error"] < 1e-8
    data = {k: g[k] for k in ("distance", "exact", "no_border_form", "gaussian_term")}
    return save_figure(fig, ctx.out_dir, "gmix_profile", data=data, config={"size": size, "alpha": alpha})
