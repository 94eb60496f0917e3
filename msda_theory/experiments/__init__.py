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

Modules: the units of the experiments (``analytic``, ``small``, ``tracking``, ``trained_model``), their sizes
(``presets``) and stored forms (``stored``), and the measurements they make (checks and figures never call these):
``first_layer`` (tr(W (A ⊙ Σ) Wᵀ), filter spectra), ``adversarial_bound``, ``logistic`` and ``generalization``
(claim 10, section 8), ``alignment`` (claim 7), ``tasks``, ``task_dependence`` and ``mechanism`` (claim 11),
``cost`` (12a), ``decomposition`` (the smooth small models, binary labels, Taylor scales) and ``runtime``
(``torch_threads``). This module imports none of them: ``EXPERIMENTS`` reaches its units by late imports.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable

from msda_theory import workers
from msda_theory.experiments import presets
from msda_theory.experiments.presets import FASHION_HINT, PRESETS, NeedsData
from msda_theory.results import ResultStore, StoredResult, code_fingerprint, module_fingerprint


@dataclass(frozen=True)
class Experiment:
    """``units(preset)`` -> [(seed, config)], ``compute(config, seed)`` -> data dict; ``fields``: the data's
    top-level fields and their JSON types (a stored result lacking one, or holding another type, is recomputed)."""

    name: str
    units: Callable[[str], list[tuple[int, dict[str, Any]]]]
    compute: Callable[[dict[str, Any], int], dict[str, Any]]
    fields: dict[str, type] = field(default_factory=dict)
    module: str | None = None
    """The module of the unit function (default: the one ``compute`` names, if it does); its import closure is
    the code the results depend on."""

    def __post_init__(self) -> None:
        if self.module is None:
            object.__setattr__(self, "module", getattr(self.compute, "module", None))

    def fingerprint(self) -> str:
        """The code fingerprint of this experiment's results: of the source its unit's module imports
        (``results.module_fingerprint``), so that editing a check, a figure or the CLI keeps them fresh; the
        whole package's when no module is known."""
        return code_fingerprint() if self.module is None else module_fingerprint(self.module)

    def data_problem(self, data: dict[str, Any]) -> str | None:
        """Why stored ``data`` is not of this experiment's shape (a field missing or of another type), or None."""
        missing = [k for k in self.fields if k not in data]
        wrong = [k for k, kind in self.fields.items()
                 if k in data and (not isinstance(data[k], kind) or isinstance(data[k], bool))]
        if missing or wrong:
            return f"data fields {missing} are missing" if missing else f"data fields {wrong} have the wrong type"
        return None


def _trained_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.trained_models(preset)
    data_seed = (lambda seed: {"data_seed": seed}) if p["vary_data_seed"] else (lambda seed: {})
    return [(seed, {"format": 2, "train": {**p["train"], "strategy": s, **data_seed(seed)}, "attack": p["attack"]})
            for s in p["strategies"] for seed in p["seeds"]]


def _tracking_units(preset: str) -> list[tuple[int, dict[str, Any]]]:
    p = presets.tracking(preset)
    rest = {k: v for k, v in p.items() if k not in ("train", "alphas", "families", "swept")}
    pairs = [(f, 1.0) for f in p["families"]] + [(f, a) for f in p["swept"] for a in p["alphas"]]
    # a flat "alpha" beside the name, as in the first TrainConfig format, keeps the stored results' keys
    return [(0, {**rest, "train": {**p["train"], "strategy": f, "alpha": a}}) for f, a in pairs]


def _single(config_of: Callable[[str], dict[str, Any]]) -> Callable[[str], list[tuple[int, dict[str, Any]]]]:
    return lambda preset: [(0, config_of(preset))]


def _compute(module: str, function: str) -> Callable[[dict[str, Any], int], dict[str, Any]]:
    def run(config: dict[str, Any], seed: int) -> dict[str, Any]:
        import importlib

        return getattr(importlib.import_module(run.module), function)(config, seed)

    run.module = f"msda_theory.experiments.{module}"  # type: ignore[attr-defined]
    return run


_TASK_FIELDS = {"prediction": dict, "tasks": dict, "size": int, "n_train": int, "n_test": int, "seeds": list,
                "config": dict, "task_params": dict}
EXPERIMENTS: dict[str, Experiment] = {
    "trained-model": Experiment("trained-model", _trained_units, _compute("trained_model", "run_trained_model"),
                                {"strategy": str, "seed": int, "data": str, "n_train": int, "n_eval": int,
                                 "config_train": dict, "in_shape": list, "curve": dict, "attacks": dict,
                                 "first_layer": dict}),
    "tracking": Experiment("tracking", _tracking_units, _compute("tracking", "run_tracking"),
                           {"family": str, "data": str, "n_eval": int, "n_masks": int, "rows": list, "alignment": dict,
                            "t_scan": dict}),
    "taylor": Experiment("taylor", _single(presets.taylor), _compute("small", "run_taylor"), {"ts": list, "rows": list}),
    "bound": Experiment("bound", _single(presets.bound), _compute("small", "run_bound"),
                        {"pairs": dict, "subsets": dict}),
    "task": Experiment("task", _single(presets.task), _compute("small", "run_task"), {**_TASK_FIELDS, "profiles": dict}),
    "task-mechanism": Experiment("task-mechanism", _single(presets.task_mechanism),
                                 _compute("small", "run_task_mechanism"), {**_TASK_FIELDS, "objective": str}),
    "cost": Experiment("cost", _single(presets.cost), _compute("small", "run_cost"),
                       {"median_ratio": dict, "mix_ratio": dict, "median_seconds": dict, "repeats": int,
                        "n_train": int, "ratio_ci": dict, "mix_seconds_per_epoch": dict, "rounds": dict}),
    "ratio": Experiment("ratio", _single(presets.ratio), _compute("analytic", "run_ratio"),
                        {"max_gap": dict, "ratios": dict}),
    "weights-agreement": Experiment(
        "weights-agreement", lambda preset: [(presets.weights_agreement_seed(preset), presets.weights_agreement(preset))],
        _compute("analytic", "run_weights_agreement"),
        {"per_case": list, "n_samples": int, "entries": int, "recheck": dict}),
    "profiles": Experiment("profiles", _single(presets.profiles), _compute("analytic", "run_profiles"),
                           {"mixup_spread": float, "cutmix": dict, "hmix_contrast": dict, "gmix": dict,
                            "figure": dict}),
    "identity": Experiment("identity", _single(presets.identity), _compute("analytic", "run_identity"),
                           {"max_abs_remainder": dict}),
    "estimators": Experiment("estimators", _single(presets.estimators), _compute("analytic", "run_estimators"),
                             {"terms": dict, "exact_relative_gap": float}),
    "first-layer-identity": Experiment("first-layer-identity", _single(presets.first_layer_identity),
                                       _compute("analytic", "run_first_layer_identity"),
                                       {"relative_difference": dict}),
}


def _compute_and_store(name: str, preset: str, root: str, seed: int, config: dict[str, Any]) -> None:
    """Worker of ``collect(jobs > 1)``: compute one unit in a fresh process (one torch thread) and store it."""
    import torch

    torch.set_num_threads(1)
    exp = EXPERIMENTS[name]
    ResultStore(root).fetch(name, preset, seed, config, lambda: exp.compute(config, seed), rerun=True,
                            validate=exp.data_problem, fingerprint=exp.fingerprint())


def _compute_in_workers(name: str, preset: str, store: ResultStore, todo: list[tuple[int, dict[str, Any]]],
                        jobs: int) -> None:
    """Compute and store the ``todo`` units of experiment ``name`` in ``jobs`` spawned worker processes.

    The workers leave Ctrl-C to this process and exit if it dies (``msda_theory.workers``); after an error
    or Ctrl-C the running units are terminated, not waited for.
    """
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                               initializer=workers.follow_parent, initargs=(os.getpid(),))
    try:
        with workers.parent_handles_ctrl_c():  # the workers start with the submissions
            pending = [pool.submit(_compute_and_store, name, preset, str(store.root), s, c) for s, c in todo]
        workers.results(pending)
    except BaseException:
        workers.stop(pool)
        raise
    pool.shutdown()


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
            or (not rerun and store.load(name, preset, s, c, validate=exp.data_problem,
                                         fingerprint=exp.fingerprint()) is None)]
    if jobs > 1 and len(todo) > 1 and store.recompute:
        _compute_in_workers(name, preset, store, todo, jobs)
        store.fresh.update(store.path(name, preset, s, c) for s, c in todo)
    return [store.fetch(name, preset, s, c, lambda c=c, k=s: exp.compute(c, k), rerun=rerun,
                        validate=exp.data_problem, fingerprint=exp.fingerprint()) for s, c in units]


__all__ = ["EXPERIMENTS", "FASHION_HINT", "PRESETS", "Experiment", "NeedsData", "collect", "collect_stored"]
