"""The single-unit experiments: Taylor slopes (claim 5), the adversarial bound (10), task
dependence (11) and the epoch cost (12a). Each takes its preset's config dict and a seed and
returns plain JSON data; ``msda_theory.experiments.collect`` stores it.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from msda_theory import masks
from msda_theory.data import load
from msda_theory.experiments.adversarial_bound import bound_probe, subset_probe
from msda_theory.experiments.cost import cost_probe
from msda_theory.experiments.decomposition import TAYLOR_TS, binary_labels, small_model
from msda_theory.experiments.runtime import torch_threads
from msda_theory.experiments.task_dependence import PREDICTION, mechanism_probe, task_dependence_probe
from msda_theory.regularizers.taylor import loglog_slope, taylor_scan
from msda_theory.train import TrainConfig


def run_taylor(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Log-log slopes of the mean |per-draw remainder(t)| (and, for reference, of |mean remainder(t)|) for ce and
    bce, every paper family, on digits in float64."""
    data = load("digits")
    x, y = data.x[: config["n"]].double(), data.y[: config["n"]]
    rows = []
    for loss in ("ce", "bce"):
        k = data.num_classes if loss == "ce" else 1
        target = y if loss == "ce" else binary_labels(y, data.num_classes).double()
        model = small_model(config["arch"], tuple(x.shape[1:]), k, seed=seed)
        for offset, family in enumerate(masks.PAPER_FAMILIES):
            scan = taylor_scan(model, x, target, masks.get(family), TAYLOR_TS, loss=loss, n_masks=config["n_masks"],
                               generator=torch.Generator().manual_seed(seed + offset))
            rows.append({"loss": loss, "family": family, "model": config["arch"],
                         "slope": loglog_slope(scan["t"], scan["abs_remainder"]),
                         "slope_of_mean": loglog_slope(scan["t"], scan["remainder"]),
                         "abs_remainder": scan["abs_remainder"], "abs_remainder_se": scan["abs_remainder_se"],
                         "remainder": scan["remainder"], "remainder_se": scan["remainder_se"]})
    return {"ts": list(TAYLOR_TS), "rows": rows}


def run_bound(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """``bound_probe`` for each class pair of the preset (seeds offset by ``seed``), and ``subset_probe`` for
    each pair of its ``subsets``."""
    sub = config["subsets"]
    with torch_threads(1):
        pairs = {f"{a}-{b}": bound_probe(data=config["data"], classes=(a, b), n_train=config["n_train"],
                                         n_test=config["n_test"], epochs=config["epochs"],
                                         seeds=tuple(seed + s for s in config["seeds"]),
                                         gmix_samples=config["gmix_samples"])
                 for a, b in config["pairs"]}
        subsets = {f"{a}-{b}": subset_probe(data=config["data"], classes=(a, b), sizes=tuple(sub["sizes"]),
                                            draws=sub["draws"], epochs=sub["epochs"], seed=seed,
                                            gmix_samples=config["gmix_samples"])
                   for a, b in sub["pairs"]}
    return {"pairs": pairs, "subsets": subsets}


def run_task(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """``task_dependence_probe`` at the preset's size; the tasks are fixed by ``seed``."""
    return _task_probe(task_dependence_probe, config, seed)


def run_task_mechanism(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """``mechanism_probe``: the tasks and seeds of ``run_task``, trained on the preset's explicit objective
    (Mixup's, CutMix's a, A)."""
    return _task_probe(mechanism_probe, config, seed, objective=config["objective"])


def _task_probe(probe: Callable[..., dict[str, Any]], config: dict[str, Any], seed: int,
                **options: Any) -> dict[str, Any]:
    """``probe`` (task dependence or its mechanism) on the preset's data, size, seeds and tasks, in one thread."""
    base = TrainConfig.from_dict({**TrainConfig().to_dict(), **config["train"]})
    with torch_threads(1):
        result = probe(base, tuple(config["seeds"]), data=config["data"], size=config["size"],
                       n_train=config["n_train"], n_test=config["n_test"],
                       task_params=config["task_params"], task_seed=seed, **options)
    return {"prediction": dict(PREDICTION), **result}


def run_cost(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """``cost_probe``: interleaved per-epoch timings of Mixup, CutMix, HMix and GMix, ratios to Mixup."""
    base = TrainConfig.from_dict({**TrainConfig().to_dict(), **config["train"], "seed": seed})
    with torch_threads(1):
        return cost_probe(base, repeats=config["repeats"])


__all__ = ["run_bound", "run_cost", "run_task", "run_task_mechanism", "run_taylor"]
