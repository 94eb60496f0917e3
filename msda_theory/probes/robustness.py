"""Claim 9: robust accuracy of MSDA-trained versus vanilla models under FGSM and PGD at small ε.

Theory.md sections 8-9. For each strategy s and seed k a model is trained
(``runs.train_runs``: the same initialisation seed for every strategy), then
attacked on the same test images. The comparison is paired over seeds:

    Δ_s(attack, norm, ε) = mean_k [acc_s,k − acc_none,k] with a 95% t-interval.

Prediction (the paper's): Δ_s > 0 at small ε for every MSDA strategy s.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import torch

from msda_theory.attacks import ATTACKS, evaluate_robustness
from msda_theory.probes.runs import TrainedModel, train_runs
from msda_theory.probes.stats import paired_difference, t_interval
from msda_theory.train import TrainConfig

NORMS = ("linf", "l2")


@dataclass(frozen=True)
class RobustnessSettings:
    """Radii per norm (ε = 0 is added: the clean accuracy) and the PGD schedule."""

    eps: dict[str, tuple[float, ...]] = field(default_factory=lambda: {"linf": (0.01, 0.03), "l2": (0.1, 0.3)})
    pgd_steps: int = 10
    n_eval: int | None = None
    batch_size: int = 500


def attack_table(run: TrainedModel, x: torch.Tensor, y: torch.Tensor, settings: RobustnessSettings,
                 *, generator: torch.Generator | None = None) -> dict[str, dict[str, Any]]:
    """table[attack][norm] = {eps, accuracy, sanity} for one model, radii (0, *settings.eps[norm]).

    One PGD evaluation per norm; it also runs FGSM on every batch (for its
    PGD ≥ FGSM sanity check), whose accuracies are the FGSM row.
    """
    out: dict[str, dict[str, Any]] = {"fgsm": {}, "pgd": {}}
    for norm in NORMS:
        res = evaluate_robustness(run.model, x, y, (0.0, *settings.eps[norm]), attack="pgd", norm=norm,
                                  n=settings.n_eval, steps=settings.pgd_steps, batch_size=settings.batch_size,
                                  generator=generator)
        out["pgd"][norm] = {"eps": res["eps"], "accuracy": res["accuracy"], "sanity": res["sanity"]}
        out["fgsm"][norm] = {"eps": res["eps"], "accuracy": res["sanity"]["fgsm_accuracy"], "sanity": res["sanity"]}
    return out


def _summary(tables: dict[str, list[dict]], baseline: str) -> dict[str, Any]:
    """Per strategy, attack, norm and ε: mean accuracy with t-CI, and the paired Δ versus ``baseline``."""
    out: dict[str, Any] = {}
    for s, per_seed in tables.items():
        out[s] = {}
        for attack in ATTACKS:
            out[s][attack] = {}
            for norm in NORMS:
                eps = per_seed[0][attack][norm]["eps"]
                acc = [[t[attack][norm]["accuracy"][i] for t in per_seed] for i in range(len(eps))]
                base = [[t[attack][norm]["accuracy"][i] for t in tables[baseline]] for i in range(len(eps))]
                out[s][attack][norm] = {
                    "eps": eps,
                    "accuracy": [t_interval(a).as_dict() for a in acc],
                    "per_seed": acc,
                    "delta_vs_vanilla": [paired_difference(a, b).as_dict() for a, b in zip(acc, base)],
                    "sanity_ok": all(_sanity_ok(t[attack][norm]["sanity"]) for t in per_seed),
                    "sanity_failures": sorted({f for t in per_seed for f in t[attack][norm]["sanity"]["failures"]}),
                }
    return out


def _sanity_ok(sanity: dict[str, Any]) -> bool:
    return bool(sanity["passed"])


def robustness_probe(base: TrainConfig, strategies: Sequence[str], seeds: Sequence[int], *,
                     settings: RobustnessSettings | None = None, generator: torch.Generator | None = None,
                     ) -> tuple[dict[str, Any], dict[str, list[TrainedModel]]]:
    """Train every strategy (first must be 'none') over ``seeds`` and attack each model.

    Returns:
        (summary, runs): summary[strategy][attack][norm] holds eps, accuracy (t-CI per ε),
        per-seed accuracies and the paired Δ versus vanilla; summary['clean'][strategy]
        holds the train and test accuracy and the gap (t-CI); runs are the trained models.
    """
    if not strategies or strategies[0] != "none":
        raise ValueError(f"strategies must start with 'none' (the vanilla baseline), got {list(strategies)!r}")
    settings = settings or RobustnessSettings()
    runs = train_runs(base, strategies, seeds)
    from msda_theory import data as datasets

    test = datasets.load(base.data, base.root, "test")
    x, y = test.x, test.y
    if base.test_subset is not None:
        x, y = x[: base.test_subset], y[: base.test_subset]
    tables = {s: [attack_table(r, x, y, settings, generator=generator) for r in rs] for s, rs in runs.items()}
    summary = _summary(tables, "none")
    summary["clean"] = {s: {"train": t_interval([r.train_accuracy for r in rs]).as_dict(),
                            "test": t_interval([r.test_accuracy for r in rs]).as_dict(),
                            "gap": t_interval([r.gap for r in rs]).as_dict()} for s, rs in runs.items()}
    n_eval = len(y) if settings.n_eval is None else settings.n_eval
    summary["settings"] = {"eps": settings.eps, "pgd_steps": settings.pgd_steps, "n_eval": n_eval,
                           "seeds": list(seeds), "config": base.to_dict()}
    return summary, runs
