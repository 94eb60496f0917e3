"""Experiments: every experiment behind a claim or a figure, in one layer, through one results store.

An experiment is a unit function ``compute(config, seed) -> dict`` (plain JSON data) and a
``units(preset)`` list of (seed, config) pairs; ``collect(name, preset, store=...)`` fetches every
unit through ``msda_theory.results.ResultStore`` (reusing stored results whose config hash matches,
computing and storing the rest) and returns their data. Checks judge, and figures plot, what
``collect`` returns; neither runs an experiment of its own.

Experiments: ``ratio`` (claims 1a, 1b), ``weights-agreement`` (2), ``profiles`` (3, 3b, 3c and the
weight figures), ``identity`` (4), ``taylor`` (5), ``estimators`` (6), ``tracking`` (7),
``first-layer-identity`` (8), ``trained-model`` (8b, 9, 9b, 12b, convergence figure), ``bound`` (10),
``task`` and ``task-mechanism`` (11), ``cost`` (12a).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from msda_theory.experiments import presets
from msda_theory.experiments.presets import FASHION_HINT, PRESETS, NeedsData
from msda_theory.results import ResultStore, StoredResult


@dataclass(frozen=True)
class Experiment:
    """``units(preset)`` -> [(seed, config)], ``compute(config, seed)`` -> data dict."""

    name: str
    units: Callable[[str], list[tuple[int, dict[str, Any]]]]
    compute: Callable[[dict[str, Any], int], dict[str, Any]]


def _trained_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.trained_models(preset)
    return [(seed, {"format": 2, "train": {**p["train"], "strategy": s}, "attack": p["attack"]})
            for s in p["strategies"] for seed in p["seeds"]]


def _tracking_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.tracking(preset)
    rest = {k: v for k, v in p.items() if k not in ("train", "alphas", "families", "swept")}
    pairs = [(f, 1.0) for f in p["families"]] + [(f, a) for f in p["swept"] for a in p["alphas"]]
    return [(0, {**rest, "train": {**p["train"], "strategy": f, "alpha": a}}) for f, a in pairs]


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
    "task-mechanism": Experiment("task-mechanism", _single(presets.task_mechanism),
                                 _compute("small", "run_task_mechanism")),
    "cost": Experiment("cost", _single(presets.cost), _compute("small", "run_cost")),
    "ratio": Experiment("ratio", _single(presets.ratio), _compute("analytic", "run_ratio")),
    "weights-agreement": Experiment(
        "weights-agreement", lambda preset: [(presets.weights_agreement_seed(preset), presets.weights_agreement(preset))],
        _compute("analytic", "run_weights_agreement")),
    "profiles": Experiment("profiles", _single(presets.profiles), _compute("analytic", "run_profiles")),
    "identity": Experiment("identity", _single(presets.identity), _compute("analytic", "run_identity")),
    "estimators": Experiment("estimators", _single(presets.estimators), _compute("analytic", "run_estimators")),
    "first-layer-identity": Experiment("first-layer-identity", _single(presets.first_layer_identity),
                                       _compute("analytic", "run_first_layer_identity")),
}


def _compute_and_store(name: str, preset: str, root: str, seed: int, config: dict[str, Any]) -> None:
    """Worker of ``collect(jobs > 1)``: compute one unit in a fresh process (one torch thread) and store it."""
    import torch

    torch.set_num_threads(1)
    ResultStore(root).fetch(name, preset, seed, config, lambda: EXPERIMENTS[name].compute(config, seed), rerun=True)


def collect(name: str, preset: str, *, store: ResultStore, rerun: bool = False, seed: int = 0,
            jobs: int = 1) -> list[dict[str, Any]]:
    """The data of every unit of experiment ``name`` at ``preset``: ``collect_stored``'s results' data."""
    return [r.data for r in collect_stored(name, preset, store=store, rerun=rerun, seed=seed, jobs=jobs)]


def collect_stored(name: str, preset: str, *, store: ResultStore, rerun: bool = False, seed: int = 0,
                   jobs: int = 1) -> list[StoredResult]:
    """The stored result (config, data, provenance) of every unit of experiment ``name`` at ``preset`` (base
    ``seed`` added to each unit's seed).

    With ``jobs > 1`` the units that must be computed run in that many worker processes first (each
    writes its own stored result); then every unit is read from the store.

    Raises:
        ValueError: unknown experiment or preset, or jobs < 1.
        NeedsData: the preset needs a data set that is not installed.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ValueError(f"jobs must be a positive integer, got {jobs!r}")
    presets.check_preset(preset)
    exp = EXPERIMENTS[name]
    units = [(seed + unit_seed, config) for unit_seed, config in exp.units(preset)]
    todo = [(s, c) for s, c in units if (rerun and store.path(name, preset, s, c) not in store.fresh)
            or (not rerun and store.load(name, preset, s, c) is None)]
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
            for done in [pool.submit(_compute_and_store, name, preset, str(store.root), s, c) for s, c in todo]:
                done.result()
        store.fresh.update(store.path(name, preset, s, c) for s, c in todo)
    return [store.fetch(name, preset, s, c, lambda c=c, k=s: exp.compute(c, k), rerun=rerun) for s, c in units]


__all__ = ["EXPERIMENTS", "FASHION_HINT", "PRESETS", "Experiment", "NeedsData", "collect", "collect_stored"]
