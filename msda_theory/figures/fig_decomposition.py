"""Figures of the decomposition: Taylor slopes (claim 5) and L_msda tracking along training (claim 7)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from msda_theory.figures.registry import FigureContext, figure, save_figure
from msda_theory.regularizers.experiments import taylor_slopes, tracking_runs


@figure("taylor_slopes", "|remainder| of the decomposition versus the perturbation scale t (slope 3)")
def taylor_slopes_figure(ctx: FigureContext) -> list[Path]:
    result = taylor_slopes(quick=ctx.quick, seed=ctx.seed)
    ts = np.asarray(result["ts"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
    for ax, loss in zip(axes, ("ce", "bce")):
        for row in (r for r in result["rows"] if r["loss"] == loss):
            ax.loglog(ts, np.abs(row["remainder"]), "o-", label=f"{row['family']} (slope {row['slope']:.2f})")
        ref = np.abs(result["rows"][0]["remainder"][0]) * (ts / ts[0]) ** 3
        ax.loglog(ts, ref, "k--", lw=0.8, label="slope 3")
        ax.set(title=f"loss {loss}", xlabel="t")
        ax.legend(fontsize=7)
    axes[0].set_ylabel("|remainder(t)|")
    slopes = [r["slope"] for r in result["rows"]]
    assert all(np.isfinite(slopes)), "every slope must be finite"
    return save_figure(fig, ctx.out_dir, "taylor_slopes", data=result, config={"quick": ctx.quick, "seed": ctx.seed})


@figure("msda_loss_tracking", "L_msda and L_std + R1 + R2 + R3 along MSDA training, per family")
def msda_loss_tracking_figure(ctx: FigureContext) -> list[Path]:
    runs = tracking_runs(quick=ctx.quick, seed=ctx.seed)
    fig, axes = plt.subplots(2, len(runs), figsize=(3.2 * len(runs), 5.6), sharex=True, sharey="row",
                             gridspec_kw={"height_ratios": [3, 2]})
    for col, (family, run) in enumerate(runs.items()):
        top, bottom = axes[0, col], axes[1, col]
        top.plot(run["epoch"], run["l_msda"], "o-", label="L_msda (Monte Carlo)")
        top.plot(run["epoch"], run["approx"], "x--", label="L_std + R1 + R2 + R3")
        top.plot(run["epoch"], run["l_std"], ":", color="gray", label="L_std")
        top.set_title(family)
        gap, se = np.array(run["relative_gap"]), np.array(run["remainder_se"]) / np.array(run["l_msda"])
        bottom.errorbar(run["epoch"], gap, yerr=2 * se, fmt="o-", capsize=3)
        bottom.axhline(0.0, color="black", lw=0.8)
        bottom.set_xlabel("epoch (0 = before training)")
    axes[0, 0].set_ylabel("loss on a fixed subset")
    axes[1, 0].set_ylabel("(L_msda − approx) / L_msda\n(± 2 SE)")
    axes[0, 0].legend(fontsize=7)
    data_name = next(iter(runs.values())).get("data", "digits")
    fig.suptitle(f"Second-order approximation along MSDA training (tanh CNN, {data_name}; Zhang et al. 2021 Fig. 1 analogue)",
                 fontsize=10)
    assert all(len(r["l_msda"]) == len(r["approx"]) for r in runs.values())
    return save_figure(fig, ctx.out_dir, "msda_loss_tracking", data=runs, config={"quick": ctx.quick, "seed": ctx.seed})
