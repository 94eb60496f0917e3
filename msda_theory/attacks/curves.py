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

from matplotlib.figure import Figure

REQUIRED = ("attack", "norm", "eps", "accuracy", "ci_low", "ci_high")


def strategy_label(result: dict[str, Any]) -> str:
    """The legend label: ``label``, else the run config's strategy, else ``"model"``."""
    if "label" in result:
        return str(result["label"])
    config = result.get("config") or {}
    return str(config.get("strategy", result.get("strategy", "model")))


def plot_robustness_curves(results: Sequence[dict[str, Any]], path: str | os.PathLike) -> list[Path]:
    """One panel per (attack, norm); per result a line acc(eps) with its CI band, coloured by strategy.

    Args:
        results: dicts as returned by :func:`evaluate_robustness` or written by
            ``msda-theory robustness`` (``config`` holds the strategy); several
            results of one strategy (seeds) share a colour.
        path: the image to write (its suffix picks the format); the results are
            written beside it as JSON (same name, ``.json``).

    Returns:
        [image path, JSON path].
    """
    if not results:
        raise ValueError("results must hold at least one evaluation")
    for r in results:
        missing = [k for k in REQUIRED if k not in r]
        if missing:
            raise ValueError(f"a result lacks the keys {missing}")
    panels: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        panels[(r["attack"], r["norm"])].append(r)
    labels = sorted({strategy_label(r) for r in results})
    colours = {label: f"C{i % 10}" for i, label in enumerate(labels)}
    fig = Figure(figsize=(4.2 * len(panels), 3.4))
    for ax, ((attack, norm), group) in zip(fig.subplots(1, len(panels), squeeze=False)[0], sorted(panels.items())):
        shown: set[str] = set()
        for r in group:
            label = strategy_label(r)
            colour = colours[label]
            ax.plot(r["eps"], r["accuracy"], marker="o", ms=3, color=colour, label=None if label in shown else label)
            ax.fill_between(r["eps"], r["ci_low"], r["ci_high"], color=colour, alpha=0.15, lw=0)
            shown.add(label)
        ax.set(title=f"{attack.upper()}, {norm}", xlabel="eps", ylabel="accuracy", ylim=(0, 1.02))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    data_path = path.with_suffix(".json")
    data_path.write_text(json.dumps({"results": list(results)}, indent=1) + "\n")
    return [path, data_path]
