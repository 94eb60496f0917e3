"""Figures of the trained-model experiments, plotted from the stored results only: convergence curves
(the gates), robust accuracy and its drop from clean accuracy (claim 9), first-layer filter spectra
(claim 8b) and task dependence (claim 11)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from msda_theory.checks.claim_11_task_dependence import PREDICTION
from msda_theory.experiments.stored import by_strategy, decode
from msda_theory.figures.registry import FigureContext, figure, save_figure

COLORS = {"none": "black", "mixup": "tab:blue", "cutmix": "tab:orange", "hmix": "tab:green", "gmix": "tab:red",
          "fmix": "tab:purple"}


def _title(units: list[dict[str, Any]], *, attacked: bool = False) -> str:
    """Data, training size and seeds of the stored units; with ``attacked`` also how many test images were attacked."""
    u = units[0]
    text = f"{u['data']}, n_train = {u['n_train']}, {len({v['seed'] for v in units})} seeds"
    return text + (f", n_test = {u['n_eval']} attacked" if attacked else "")


def pair_axes(ax: Sequence[Axes] | None, figsize: tuple[float, float], **kwargs: Any) -> tuple[Figure, list[Axes]]:
    """(figure, two Axes side by side): a new figure, or the caller's two Axes and their figure."""
    if ax is None:
        fig, axes = plt.subplots(1, 2, figsize=figsize, **kwargs)
        return fig, list(axes)
    given = list(getattr(ax, "flat", ax))
    if len(given) != 2 or not all(isinstance(a, Axes) for a in given):
        raise ValueError(f"ax must be two matplotlib Axes (left and right panel), got {len(given)}")
    return given[0].figure, given


def _label(s: str) -> str:
    return "none (vanilla)" if s == "none" else s  # the CLI's name, with the usual word


@figure("convergence", "Clean train accuracy, test accuracy and training loss per epoch (the training gates)")
def convergence(ctx: FigureContext) -> list[Path]:
    from msda_theory.checks.gates import OVERFIT_MIN

    units = ctx.results("trained-model")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    data: dict[str, Any] = {}
    for s, us in by_strategy(units).items():
        for k, u in enumerate(us):
            c = u["curve"]
            epochs = np.arange(1, len(c["train_loss"]) + 1)
            kw = {"color": COLORS.get(s), "alpha": 0.8, "label": _label(s) if k == 0 else None}
            axes[0].plot(epochs, c["clean_train_accuracy"], **kw)
            axes[1].plot(epochs, c["test_accuracy"], **kw)
            axes[2].plot(epochs, c["train_loss"], **kw)
        data[s] = [u["curve"] for u in us]
    axes[0].axhline(OVERFIT_MIN, color="gray", ls="--", lw=0.8, label=f"gate {OVERFIT_MIN}")
    for ax, name in zip(axes, ("clean train accuracy", "test accuracy", "training loss (MSDA loss)")):
        ax.set(xlabel="epoch", ylabel=name)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    cfg = units[0]["config_train"]
    fig.suptitle(f"Accuracy vs epoch, {cfg['model']}, {cfg['optimizer']} lr {cfg['lr']}, {cfg['schedule']}: "
                 + _title(units), fontsize=9)
    fig.tight_layout()
    return save_figure(fig, ctx.out_dir, "convergence", data=data,
                       config={"preset": ctx.experiment_preset, "train": cfg})


@figure("robust_accuracy", "Robust accuracy (worst of FGSM and PGD) and its drop from clean accuracy versus ε (claim 9)")
def robust_accuracy(ctx: FigureContext) -> list[Path]:
    units = ctx.results("trained-model")
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    data: dict[str, Any] = {}
    for j, norm in enumerate(("linf", "l2")):
        for s, us in by_strategy(units).items():
            eps = [0.0, *us[0]["attacks"][norm]["eps"]]
            clean = np.array([decode(u["attacks"]["clean"]).mean() for u in us])
            robust = np.array([[decode(r).mean() for r in u["attacks"][norm]["worst"]] for u in us])  # (S, E)
            acc = np.column_stack([clean, robust])
            drop = clean[:, None] - acc
            for ax, values in ((axes[0, j], acc), (axes[1, j], drop)):
                mean, sd = values.mean(0), values.std(0)
                ax.errorbar(eps, mean, yerr=sd, marker="o", capsize=3, color=COLORS.get(s), label=_label(s))
            data[f"{s}/{norm}"] = {"eps": eps, "accuracy": acc, "drop": drop}
        axes[0, j].set_title(f"{'L∞' if norm == 'linf' else 'L2'}: worst of clean, FGSM, PGD")
        axes[1, j].set_xlabel("ε")
    axes[0, 0].set_ylabel("robust accuracy (mean ± sd over seeds)")
    axes[1, 0].set_ylabel("drop from clean accuracy")
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Robust accuracy per strategy ({ctx.experiment_preset} preset): {_title(units, attacked=True)}",
                 fontsize=9)
    fig.tight_layout()
    return save_figure(fig, ctx.out_dir, "robust_accuracy", data=data, config={"preset": ctx.experiment_preset})


def seed_spread(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean over seeds, its SE = sd / sqrt(S), sd with ddof 1; 0 for one seed) of values (S, B)."""
    mean = values.mean(0)
    if values.shape[0] < 2:
        return mean, np.zeros_like(mean)
    return mean, values.std(0, ddof=1) / np.sqrt(values.shape[0])


def spectra_by_strategy(units: list[dict[str, Any]]) -> dict[str, dict[str, np.ndarray]]:
    """Per strategy the mean spectrum over seeds, its SE, and the share relative to vanilla with its SE
    (delta method: se(a / b) = (a / b) sqrt((se_a / a)^2 + (se_b / b)^2), seeds of a and b independent;
    vanilla's own band is its relative SE se_b / b, the noise of the reference)."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for s, us in by_strategy(units).items():
        spectra = np.array([u["first_layer"]["spectrum"] for u in us])  # (S, bins)
        assert np.allclose(spectra.sum(1), 1, atol=1e-6), "spectra are normalized to total energy 1"
        mean, se = seed_spread(spectra)
        out[s] = {"mean": mean, "se": se, "seeds": spectra}
    base = out["none"]
    for s, entry in out.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = entry["mean"] / np.where(base["mean"] > 0, base["mean"], np.nan)
            own = 0.0 if s == "none" else entry["se"] / entry["mean"]
            entry["ratio"] = ratio
            entry["ratio_se"] = np.abs(ratio) * np.hypot(own, base["se"] / base["mean"])
    return out


def plot_first_layer_spectra(units: list[dict[str, Any]], *, ax: Sequence[Axes] | None = None) -> Figure:
    """Radial filter energy per strategy (mean ± SE over seeds) and its ratio to vanilla; returns the Figure."""
    spectra = spectra_by_strategy(units)
    fig, (left, right) = pair_axes(ax, (10, 4))
    for s, entry in spectra.items():
        bins = np.arange(len(entry["mean"]))
        for panel, mean, se in ((left, entry["mean"], entry["se"]), (right, entry["ratio"], entry["ratio_se"])):
            panel.plot(bins, mean, marker="o", color=COLORS.get(s), label=_label(s))
            panel.fill_between(bins, mean - se, mean + se, color=COLORS.get(s), alpha=0.2, lw=0)
    left.set(xlabel="radial frequency bin", ylabel="share of filter energy (mean ± SE over seeds)")
    right.set(xlabel=left.get_xlabel(), ylabel="share relative to vanilla (± SE)")
    for a in (left, right):
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
        a.grid(alpha=0.3)
    left.legend(fontsize=8)
    fig.suptitle(f"First-layer filter spectra ({units[0]['config_train']['model']}): {_title(units)}", fontsize=9)
    return fig


@figure("first_layer_spectra", "Radial spatial-frequency energy of first-layer filters per strategy (section 7)")
def first_layer_spectra(ctx: FigureContext) -> list[Path]:
    units = ctx.results("trained-model")
    fig = plot_first_layer_spectra(units)
    data = {s: {k: v for k, v in e.items() if k != "seeds"} for s, e in spectra_by_strategy(units).items()}
    return save_figure(fig, ctx.out_dir, "first_layer_spectra", data={"spectrum": data},
                       config={"preset": ctx.experiment_preset, "band": "mean ± SE over seeds"})


def _accuracy_bars(ax: Any, res: dict[str, Any], heading: str) -> dict[str, Any]:
    """Bars (mean, 95% t-CI) and seed dots of test accuracy per strategy and task; returns the plotted data."""
    names = list(res["tasks"])
    strategies = list(res["tasks"][names[0]]["accuracy"])
    width = 0.8 / len(strategies)
    data: dict[str, Any] = {}
    for k, s in enumerate(strategies):
        acc = [res["tasks"][n]["accuracy"][s] for n in names]
        mean = np.array([a["mean"] for a in acc])
        half = np.array([(a["high"] - a["low"]) / 2 if a["high"] is not None and np.isfinite(a["high"]) else 0
                         for a in acc])
        assert np.all((mean >= 0) & (mean <= 1)), "accuracies must lie in [0, 1]"
        xs = np.arange(len(names)) + k * width
        ax.bar(xs, mean, width, yerr=half, capsize=3, color=COLORS.get(s), alpha=0.75, label=s)
        per_seed = [res["tasks"][n]["per_seed"][s] for n in names]
        for x, values in zip(xs, per_seed):  # the seeds themselves: a run stuck at chance shows as a dot at 0.5
            ax.plot(np.full(len(values), x), values, "k.", ms=5, zorder=3)
        data[s] = {"tasks": names, "mean": mean, "half_width": half, "per_seed": per_seed}
    ax.set_xticks(np.arange(len(names)) + width * (len(strategies) - 1) / 2)
    ax.set_xticklabels([f"{n}\n(predicted: {PREDICTION[n]})" for n in names], fontsize=8)
    ax.set_title(heading, fontsize=9)
    ax.set_ylim(0.4, 1.0)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(strategies))  # below: off the bars
    ax.grid(axis="y", alpha=0.3)
    return data


def plot_task_dependence(res: dict[str, Any], mech: dict[str, Any], *,
                         ax: Sequence[Axes] | None = None) -> tuple[Figure, dict[str, Any]]:
    """Accuracy bars of the task experiment (left) and of the task-mechanism one (right); (Figure, plotted data)."""
    fig, axes = pair_axes(ax, (11, 4.4), sharey=True)
    data = {"mixing": _accuracy_bars(axes[0], res, "trained by mixing"),
            "mechanism": _accuracy_bars(axes[1], mech, "trained on " + mech["objective"].split(" (")[0] + " (Mixup's / CutMix's a, A)")}
    axes[0].set_ylabel("test accuracy (bars: mean, 95% t-CI; dots: seeds)")
    fig.suptitle(f"digits backgrounds {res['size']}×{res['size']}, n_train = {res['n_train']}, n_test = "
                 f"{res['n_test']}, {len(res['seeds'])} seeds", fontsize=9)
    return fig, data


@figure("task_dependence", "Test accuracy per strategy on a local and a global synthetic task, trained by mixing "
                           "and by the explicit regularizer L_std + R2 (claim 11)")
def task_dependence(ctx: FigureContext) -> list[Path]:
    res, mech = ctx.results("task")[0], ctx.results("task-mechanism")[0]
    fig, data = plot_task_dependence(res, mech)
    return save_figure(fig, ctx.out_dir, "task_dependence", data=data,
                       config={"preset": ctx.experiment_preset, "size": res["size"], "n_train": res["n_train"],
                               "seeds": res["seeds"], "task_params": res["task_params"]})
