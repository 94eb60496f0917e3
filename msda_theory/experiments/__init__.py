"""Experiments: every experiment behind a claim or a figure, in one layer, through one results store.

An experiment is a unit function ``compute(config, seed) -> dict`` (plain JSON data) and a
``units(preset)`` list of (seed, config) pairs; ``collect(name, preset, store=...)`` fetches every
unit through ``msda_theory.results.ResultStore`` (reusing stored results whose config hash matches,
computing and storing the rest) and returns their data. Checks judge, and figures plot, what
``collect`` returns; neither runs an experiment of its own.

Experiments: ``trained-model`` (claims 8b, 9, 12b, convergence figure), ``tracking`` (7),
``taylor`` (5), ``bound`` (10), ``task`` (11), ``cost`` (12a).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from msda_theory.experiments import presets
from msda_theory.experiments.presets import FASHION_HINT, PRESETS, NeedsData
from msda_theory.results import ResultStore


@dataclass(frozen=True)
class Experiment:
    """``units(preset)`` -> [(seed, config)], ``compute(config, seed)`` -> data dict."""

    name: str
    units: Callable[[str], list[tuple[int, dict[str, Any]]]]
    compute: Callable[[dict[str, Any], int], dict[str, Any]]


def _trained_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.trained_models(preset)
    return [(seed, {"train": {**p["train"], "strategy": s}, "attack": p["attack"]})
            for s in p["strategies"] for seed in p["seeds"]]


def _tracking_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.tracking(preset)
    rest = {k: v for k, v in p.items() if k not in ("train", "alphas", "families")}
    return [(0, {**rest, "train": {**p["train"], "strategy": f, "alpha": a}}) for f in p["families"] for a in p["alphas"]]


def _single(config_of: Callable[[str], dict[str, Any]]) -> Callable[[str], list[tuple[int, dict[str, Any]]]]:
    return lambda preset: [(0, config_of(preset))]


def _compute(module: str, function: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    def run(config: dict[str, Any], seed: int) -> dict[str, Any]:
        import importlib

        return getattr(importlib.import_module(f"msda_theory.experiments.{module}"), function)(config, seed)

    return run


EXPERIMENTS: dict[str, Experiment] = {
    "trained-model": Experiment("trained-model", _trained_units, _compute("trained_model", "run_trained_model")),
    "tracking": Experiment("tracking", _tracking_units, _compute("tracking", "run_tracking")),
    "taylor": Experiment("taylor", _single(presets.taylor), _compute("small", "run_taylor")),
    "bound": Experiment("bound", _single(presets.bound), _compute("small", "run_bound")),
    "task": Experiment("task", _single(presets.task), _compute("small", "run_task")),
    "cost": Experiment("cost", _single(presets.cost), _compute("small", "run_cost")),
}


def collect(name: str, preset: str, *, store: ResultStore, rerun: bool = False, seed: int = 0) -> list[dict[str, Any]]:
    """The data of every unit of experiment ``name`` at ``preset`` (base ``seed`` added to each unit's seed).

    Raises:
        ValueError: unknown experiment or preset.
        NeedsData: the preset needs a data set that is not installed.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    presets.check_preset(preset)
    exp = EXPERIMENTS[name]
    out = []
    for unit_seed, config in exp.units(preset):
        s = seed + unit_seed
        out.append(store.fetch(name, preset, s, config, lambda c=config, k=s: exp.compute(c, k), rerun=rerun).data)
    return out


__all__ = ["EXPERIMENTS", "FASHION_HINT", "PRESETS", "Experiment", "NeedsData", "collect"]
