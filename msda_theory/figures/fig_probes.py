"""Figures of the probes: robust accuracy versus ε, first-layer spectra, task dependence (claims 9 and 11).

Each figure reuses the numbers its check wrote to ``out_dir/probe_cache`` (same
mode) when present; otherwise it computes them: at a tiny size in quick mode
(< 60 s each, one or two seeds: an illustration, not evidence), at the check's
full size otherwise (hours: run ``msda-theory check --full`` first).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from msda_theory.figures.registry import FigureContext, figure, save_figure
from msda_theory.probes import cache, presets
from msda_theory.probes.runtime import torch_threads

COLORS = {"none": "black", "mixup": "tab:blue", "cutmix": "tab:orange", "hmix": "tab:green", "gmix": "tab:red",
          "fmix": "tab:purple"}


def _robustness(ctx: FigureContext) -> dict[str, Any]:
    cached = cache.load(ctx.out_dir, "robustness", ctx.quick)
    if cached is not None:
        return cached
    from msda_theory.checks.claim_09_robustness import run_probe

    if not ctx.quick:
        summary, layer = run_probe(False, ctx.seed)
        return {"summary": summary, "first_layer": layer}
    # tiny: one seed, 6 epochs (a figure, not evidence); the check's cache replaces it when present
    p = presets.robustness(True)
    from msda_theory.probes.first_layer import first_layer_probe
    from msda_theory.probes.robustness import RobustnessSettings, robustness_probe
    from msda_theory.probes.strategies import pixel_weights
    from msda_theory.train import prepare_task

    base = replace(p.base, epochs=6)
    summary, runs = robustness_probe(base, p.strategies, (ctx.seed,),
                                     settings=RobustnessSettings(eps=p.eps, n_eval=p.n_eval), generator=ctx.generator())
    x = prepare_task(base).x_train  # the images the models were trained on
    weights = {s: pixel_weights(s, tuple(x.shape[-2:]), n_samples=5000, generator=ctx.generator(1)).a_pq
               for s in p.strategies if s != "none"}
    return {"summary": summary, "first_layer": first_layer_probe(runs, x, weights)}


@figure("robust_accuracy", "Accuracy under FGSM and PGD versus ε, per training strategy (claim 9)")
def robust_accuracy(ctx: FigureContext) -> list[Path]:
    with torch_threads(1):
        res = _robustness(ctx)
    summary = res["summary"]
    strategies = [s for s in summary if s not in ("clean", "settings")]
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), sharey=True)
    data: dict[str, Any] = {}
    for i, attack in enumerate(("fgsm", "pgd")):
        for j, norm in enumerate(("linf", "l2")):
            ax = axes[i, j]
            for s in strategies:
                row = summary[s][attack][norm]
                mean = np.array([a["mean"] for a in row["accuracy"]])
                low = np.array([a["low"] if np.isfinite(a["low"]) else a["mean"] for a in row["accuracy"]])
                high = np.array([a["high"] if np.isfinite(a["high"]) else a["mean"] for a in row["accuracy"]])
                assert np.all((mean >= 0) & (mean <= 1)), "accuracies must lie in [0, 1]"
                ax.errorbar(row["eps"], mean, yerr=[mean - low, high - mean], marker="o", capsize=3,
                            color=COLORS.get(s), label="vanilla" if s == "none" else s)
                data[f"{s}/{attack}/{norm}"] = {"eps": row["eps"], "mean": mean, "low": low, "high": high}
            ax.set_title(f"{attack.upper()}, {'L∞' if norm == 'linf' else 'L2'}")
            ax.set_xlabel("ε")
            ax.grid(alpha=0.3)
        axes[i, 0].set_ylabel("test accuracy (mean, 95% t-CI over seeds)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Robust accuracy per strategy" + (" (small-scale proxy)" if ctx.quick else ""))
    fig.tight_layout()
    return save_figure(fig, ctx.out_dir, "robust_accuracy", data=data,
                       config={"quick": ctx.quick, "seed": ctx.seed, **summary["settings"]})


@figure("first_layer_spectra", "Radial spatial-frequency energy of first-layer filters per strategy (section 7)")
def first_layer_spectra(ctx: FigureContext) -> list[Path]:
    with torch_threads(1):
        layer = _robustness(ctx)["first_layer"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    none = np.asarray(layer["spectrum"]["none"])
    for s, spec in layer["spectrum"].items():
        spec = np.asarray(spec)
        assert abs(spec.sum() - 1) < 1e-6, "spectra are normalized to total energy 1"
        label = "vanilla" if s == "none" else s
        ax.plot(np.arange(len(spec)), spec, marker="o", color=COLORS.get(s), label=label)
        bx.plot(np.arange(len(spec)), spec / np.where(none > 0, none, np.nan), marker="o", color=COLORS.get(s), label=label)
    ax.set_xlabel(f"radial frequency (cycles per {layer['spectrum_size']} px)")
    ax.set_ylabel("share of filter energy")
    bx.set_xlabel(ax.get_xlabel())
    bx.set_ylabel("share relative to vanilla")
    for a in (ax, bx):
        a.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle("First-layer filter spectra; prediction: Mixup < CutMix at low frequency (relative to vanilla)")
    return save_figure(fig, ctx.out_dir, "first_layer_spectra", data=layer, config={"quick": ctx.quick, "seed": ctx.seed})


def _tasks(ctx: FigureContext) -> dict[str, Any]:
    cached = cache.load(ctx.out_dir, "task_dependence", ctx.quick)
    if cached is not None:
        return cached
    from msda_theory.probes.task_dependence import task_dependence_probe

    p = presets.task(ctx.quick)
    if ctx.quick:  # tiny: 2 seeds, 600 images, 8 epochs (a figure, not evidence)
        return task_dependence_probe(replace(p.base, epochs=8), (0, 1), data=p.data, size=p.size, n_train=600,
                                     n_test=600, task_params=p.task_params, task_seed=ctx.seed)
    return task_dependence_probe(p.base, p.seeds, data=p.data, size=p.size, n_train=p.n_train, n_test=p.n_test,
                                 task_params=p.task_params, task_seed=ctx.seed)


@figure("task_dependence", "Test accuracy per strategy on a local and a global synthetic task (claim 11)")
def task_dependence(ctx: FigureContext) -> list[Path]:
    with torch_threads(1):
        res = _tasks(ctx)
    names = list(res["tasks"])
    strategies = list(res["tasks"][names[0]]["accuracy"])
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / len(strategies)
    data: dict[str, Any] = {}
    for k, s in enumerate(strategies):
        acc = [res["tasks"][n]["accuracy"][s] for n in names]
        mean = np.array([a["mean"] for a in acc])
        half = np.array([(a["high"] - a["low"]) / 2 if a["high"] is not None and np.isfinite(a["high"]) else 0 for a in acc])
        assert np.all((mean >= 0) & (mean <= 1)), "accuracies must lie in [0, 1]"
        xs = np.arange(len(names)) + k * width
        ax.bar(xs, mean, width, yerr=half, capsize=3, color=COLORS.get(s), alpha=0.75, label=s)
        per_seed = [res["tasks"][n].get("per_seed", {}).get(s, []) for n in names]
        for x, values in zip(xs, per_seed):  # the seeds themselves: a run stuck at chance shows as a dot at 0.5
            ax.plot(np.full(len(values), x), values, "k.", ms=5, zorder=3)
        data[s] = {"tasks": names, "mean": mean, "half_width": half, "per_seed": per_seed}
    ax.set_xticks(np.arange(len(names)) + width * (len(strategies) - 1) / 2)
    ax.set_xticklabels([f"{n} (predicted: {res['prediction'][n]})" for n in names])
    ax.set_ylabel("test accuracy (bars: mean, 95% t-CI; dots: seeds)")
    ax.set_ylim(0.4, 1.0)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, ctx.out_dir, "task_dependence", data=data,
                       config={"quick": ctx.quick, "seed": ctx.seed, "size": res["size"], "n_train": res["n_train"],
                               "seeds": res["seeds"], "task_params": res["task_params"]})
