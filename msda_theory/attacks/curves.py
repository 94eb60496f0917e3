"""Accuracy against eps per strategy, with the 95% Wilson band (docs/theory.md section 9, claim 9).

Drawn with matplotlib's object API (no pyplot, no backend to choose), so it
runs headless from any entry point.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

REQUIRED = ("attack", "norm", "eps", "accuracy", "ci_low", "ci_high")


def strategy_label(result: dict[str, Any]) -> str:
    """The legend label: ``label``, else the run config's strategy, else ``"model"``."""
    if "label" in result:
        return str(result["label"])
    config = result.get("config") or {}
    return str(config.get("strategy", result.get("strategy", "model")))


def check_results(results: Sequence[dict[str, Any]]) -> None:
    """Raise ValueError unless ``results`` is a non-empty list of results with every REQUIRED key."""
    if not results:
        raise ValueError("results must hold at least one evaluation")
    for r in results:
        missing = [k for k in REQUIRED if k not in r]
        if missing:
            raise ValueError(f"a result lacks the keys {missing}")


def panel_axes(ax: Axes | Sequence[Axes] | None, panels: int) -> tuple[Figure, list[Axes]]:
    """(the figure, one Axes per panel): a new Figure of ``panels`` side by side, or the caller's Axes."""
    if ax is None:
        fig = Figure(figsize=(4.2 * panels, 3.4))
        return fig, list(fig.subplots(1, panels, squeeze=False)[0])
    given = [ax] if isinstance(ax, Axes) else list(getattr(ax, "flat", ax))
    if len(given) != panels or not all(isinstance(a, Axes) for a in given):
        raise ValueError(f"ax must be one matplotlib Axes per (attack, norm) panel: these results have {panels}, "
                         f"got {len(given)}")
    return given[0].figure, given


def plot_robustness_curves(results: Sequence[dict[str, Any]], path: str | os.PathLike | None = None, *,
                           ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """One panel per (attack, norm); per result a line acc(eps) with its CI band, coloured by strategy.

    Args:
        results: dicts as returned by :func:`evaluate_robustness` or written by
            ``msda-theory robustness`` (``config`` holds the strategy); several
            results of one strategy (seeds) share a colour.
        path: the image to write (its suffix picks the format), with the results beside it
            as JSON (same name, ``.json``); None writes nothing.
        ax: the Axes to draw into, one per (attack, norm) panel in sorted order (a single
            Axes for one panel); None draws a new Figure.

    Returns:
        The Figure drawn on (``ax``'s own figure when given).
    """
    check_results(results)
    panels: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        panels[(r["attack"], r["norm"])].append(r)
    labels = sorted({strategy_label(r) for r in results})
    colours = {label: f"C{i % 10}" for i, label in enumerate(labels)}
    fig, axes = panel_axes(ax, len(panels))
    for panel, ((attack, norm), group) in zip(axes, sorted(panels.items())):
        _draw_panel(panel, group, colours)
        panel.set(title=f"{attack.upper()}, {norm}", xlabel="eps", ylabel="accuracy", ylim=(0, 1.02))
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=130, bbox_inches="tight")
        path.with_suffix(".json").write_text(json.dumps({"results": list(results)}, indent=1) + "\n")
    return fig


def _draw_panel(ax: Axes, group: Sequence[dict[str, Any]], colours: dict[str, str]) -> None:
    """acc(eps) and its Wilson band for each result of one (attack, norm) panel, one legend entry per strategy."""
    shown: set[str] = set()
    for r in group:
        label = strategy_label(r)
        colour = colours[label]
        ax.plot(r["eps"], r["accuracy"], marker="o", ms=3, color=colour, label=None if label in shown else label)
        ax.fill_between(r["eps"], r["ci_low"], r["ci_high"], color=colour, alpha=0.15, lw=0)
        shown.add(label)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
