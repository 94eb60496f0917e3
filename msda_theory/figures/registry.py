"""The figure registry: every figure of ``msda-theory figures`` is a function here.

A figure function ``f(ctx: FigureContext) -> list[Path]`` is registered with
``@figure(name, title)`` in a module ``msda_theory/figures/fig_*.py``; it
computes analytic data (weights, masks) through the package, plots experiment
results only from the results store (``ctx.results(name)``: the very results
the checks judged), draws headless and saves with ``save_figure`` (PNG, PDF
and a JSON of data and config beside them).
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import matplotlib.pyplot as plt

from msda_theory.io import write_json_atomic
from msda_theory.results import ResultStore

PAPER_STYLE: dict[str, Any] = {
    # A NeurIPS-like look (the paper's venue): small serif text matched to a 5.5 in text width, thin lines,
    # no top/right spines, vector-friendly fonts in the PDF. Entry points draw headless (MPLBACKEND=Agg or
    # matplotlib.use("Agg") in the CLI); library code never picks a backend.
    "font.family": "serif",
    "font.serif": ["Times New Roman", "Times", "Nimbus Roman", "DejaVu Serif"],
    "mathtext.fontset": "stix",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "axes.linewidth": 0.6,
    "lines.linewidth": 1.0,
    "lines.markersize": 3.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "pdf.fonttype": 42,
    "savefig.dpi": 200,
}


@dataclass(frozen=True)
class FigureContext:
    """Where to write, how big to compute (quick: small analytic sizes), the seed, and which stored
    experiment results to plot (``preset``; default tiny when quick, else evidence)."""

    out_dir: Path = Path("figures")
    quick: bool = True
    seed: int = 0
    preset: str | None = None
    store: ResultStore = field(default_factory=ResultStore)

    @property
    def experiment_preset(self) -> str:
        return self.preset or ("tiny" if self.quick else "evidence")

    def results(self, experiment: str) -> list[dict[str, Any]]:
        """The stored data of every unit of ``experiment`` (computed and stored first if missing)."""
        from msda_theory.experiments import collect

        return collect(experiment, self.experiment_preset, store=self.store, seed=self.seed)


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    func: Callable[[FigureContext], list[Path]]


_REGISTRY: dict[str, Figure] = {}


def figure(name: str, title: str) -> Callable[[Callable[[FigureContext], list[Path]]], Callable[[FigureContext], list[Path]]]:
    """Register a figure function under ``name``."""

    def register(func: Callable[[FigureContext], list[Path]]) -> Callable[[FigureContext], list[Path]]:
        _REGISTRY[name] = Figure(name=name, title=title, func=func)
        return func

    return register


def all_figures() -> list[Figure]:
    """Every registered figure, after importing each ``fig_*`` module, sorted by name."""
    package = importlib.import_module("msda_theory.figures")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("fig_"):
            importlib.import_module(f"msda_theory.figures.{module.name}")
    return sorted(_REGISTRY.values(), key=lambda f: f.name)


def save_figure(fig: plt.Figure, out_dir: Path, name: str, *, data: dict[str, Any], config: dict[str, Any]) -> list[Path]:
    """Write out_dir/name.png, name.pdf and name.json ({"config", "data"}); close the figure."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / f"{name}.png", out_dir / f"{name}.pdf", out_dir / f"{name}.json"]
    fig.savefig(paths[0], dpi=130, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    plt.close(fig)
    write_json_atomic(paths[2], {"config": config, "data": data}, nonfinite="null")
    return paths
