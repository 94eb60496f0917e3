"""Figures of the pixel-pair weights a_pq (docs/theory.md section 6): profiles, heatmaps, HMix sweep, GMix form."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from msda_theory import masks
from msda_theory.figures.registry import FigureContext, figure, save_figure
from msda_theory.weights import pair_weights
from msda_theory.weights.gaussian import gmix_continuum_profile, gmix_gaussian_term

ALPHA = 1.0


def _size(ctx: FigureContext) -> tuple[int, int]:
    return (16, 16) if ctx.quick else (32, 32)


def _samplers() -> list[tuple[str, object, str]]:
    """(label, sampler, method)."""
    return ([("Mixup", masks.Mixup(alpha=ALPHA), "exact"), ("CutMix", masks.CutMix(alpha=ALPHA), "exact")]
            + [(f"HMix r={r}", masks.HMix(alpha=ALPHA, r=r), "exact") for r in (0.25, 0.5, 0.75)]
            + [("GMix", masks.GMix(alpha=ALPHA), "exact"), ("FMix (MC)", masks.FMix(alpha=ALPHA), "mc")])


@figure("apq_profiles", "Distance profile of a_pq per strategy")
def apq_profiles(ctx: FigureContext) -> list[Path]:
    size = _size(ctx)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    data = {}
    for i, (label, sampler, method) in enumerate(_samplers()):
        n = 2_000 if ctx.quick else 50_000
        prof = pair_weights(sampler, size, method=method, n_samples=n, generator=ctx.generator(i)).profile("chebyshev")
        if prof.se is not None:
            ax.errorbar(prof.distance, prof.mean, yerr=prof.se, marker=".", capsize=2, label=f"{label}, ±1 SE")
        else:
            ax.plot(prof.distance, prof.mean, marker=".", label=label)
        data[label] = prof.as_dict()
    ax.set_xlabel("Chebyshev distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"Pixel-pair weights a_pq vs distance, {size[0]}x{size[1]}, alpha = {ALPHA:g}")
    ax.legend(fontsize=8, ncol=2)
    assert abs(data["Mixup"]["mean"][0] - data["Mixup"]["mean"][-1]) < 1e-12
    return save_figure(fig, ctx.out_dir, "apq_profiles", data=data, config={"size": size, "alpha": ALPHA})


@figure("apq_heatmaps", "a_pq rows of a centre and a corner pixel per strategy")
def apq_heatmaps(ctx: FigureContext) -> list[Path]:
    size = _size(ctx)
    h, w = size
    cases = _samplers()
    fig, axes = plt.subplots(2, len(cases), figsize=(2.1 * len(cases), 4.6), constrained_layout=True)
    data = {}
    for j, (label, sampler, method) in enumerate(cases):
        got = pair_weights(sampler, size, method=method, n_samples=2_000 if ctx.quick else 50_000, generator=ctx.generator(j))
        for i, pixel in enumerate([(h // 2, w // 2), (0, 0)]):
            row = got.row(pixel)
            im = axes[i, j].imshow(row, cmap="viridis")
            axes[i, j].plot(pixel[1], pixel[0], "r+", markersize=8)
            axes[i, j].set_xticks([0, w - 1]), axes[i, j].set_yticks([0, h - 1])
            fig.colorbar(im, ax=axes[i, j], shrink=0.7)
            data[f"{label} {pixel}"] = row
        axes[0, j].set_title(label, fontsize=9)
    axes[0, 0].set_ylabel("centre pixel (+)\ny (pixels)")
    axes[1, 0].set_ylabel("corner pixel (+)\ny (pixels)")
    fig.supxlabel(f"x (pixels); colour: a_pq for q over the {h}x{w} image, alpha = {ALPHA:g}")
    return save_figure(fig, ctx.out_dir, "apq_heatmaps", data=data, config={"size": size, "alpha": ALPHA})


@figure("hmix_r_sweep", "HMix profile from r = 0 (Mixup) to r = 1, with CutMix for reference")
def hmix_r_sweep(ctx: FigureContext) -> list[Path]:
    size = _size(ctx)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    cmap = plt.get_cmap("viridis")
    data = {}
    ratios = [0.0, 0.25, 0.5, 0.75, 1.0] if ctx.quick else [0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 1.0]
    for r in ratios:
        prof = pair_weights(masks.HMix(alpha=ALPHA, r=r), size).profile("chebyshev")
        note = " (= Mixup)" if r == 0 else (" (CutMix box, lam kept = lam0)" if r == 1 else "")
        ax.plot(prof.distance, prof.mean, color=cmap(r * 0.9), marker=".", label=f"HMix r={r:g}{note}")
        data[f"r={r:g}"] = prof.as_dict()
    cut = pair_weights(masks.CutMix(alpha=ALPHA), size).profile("chebyshev")
    ax.plot(cut.distance, cut.mean, "k--", label="CutMix (not HMix r=1)")
    data["cutmix"] = cut.as_dict()
    ax.set_xlabel("Chebyshev distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"HMix between its limits, {size[0]}x{size[1]}, alpha = {ALPHA:g}")
    ax.legend(fontsize=8)
    return save_figure(fig, ctx.out_dir, "hmix_r_sweep", data=data, config={"size": size, "alpha": ALPHA, "r": ratios})


@figure("gmix_profile", "GMix exact profile vs its Gaussian continuum form")
def gmix_profile(ctx: FigureContext) -> list[Path]:
    size = _size(ctx)
    got = pair_weights(masks.GMix(alpha=ALPHA), size)
    prof = got.profile("euclidean")
    full = gmix_continuum_profile(prof.distance, size, ALPHA)
    gauss = gmix_gaussian_term(prof.distance, size, ALPHA)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.plot(prof.distance, prof.mean, "o", markersize=3, label=f"exact (quadrature error {got.details['quadrature_error']:.0e})")
    ax.plot(prof.distance, full, "-", label="no-border form E[l - 2l² + (l/2) exp(-π d²/(2 l H W))]")
    ax.plot(prof.distance, gauss, ":", label="Gaussian term alone E[(l/2) exp(-π d²/(2 l H W))]")
    ax.set_xlabel("Euclidean distance |p - q| (pixels)")
    ax.set_ylabel("mean a_pq over pixel pairs")
    ax.set_title(f"GMix, {size[0]}x{size[1]}, alpha = {ALPHA:g}, l = min(lam0, 1 - lam0)")
    ax.legend(fontsize=8)
    assert got.details["quadrature_error"] < 1e-8
    data = {"distance": prof.distance, "exact": prof.mean, "no_border_form": full, "gaussian_term": gauss}
    return save_figure(fig, ctx.out_dir, "gmix_profile", data=data, config={"size": size, "alpha": ALPHA})
