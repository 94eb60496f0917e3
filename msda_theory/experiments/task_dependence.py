"""Claim 11: the best MSDA strategy depends on the task (a local versus a global label).

docs/theory.md sections 4, 6, 7, 9. The prediction, fixed before measuring:

R2 penalizes products of input gradients g_p g_q weighted by a_pq C[p, q].
Mixup's a_pq is one constant (1/6 at alpha = 1) for every pair; CutMix's is
larger for nearby pairs (≈ 0.3 at distance 0-1) and smaller far apart
(≈ 0.11-0.15). In the first-layer form (section 7) Mixup's norm is c·Σ, which is
largest on the data's low spatial frequencies, while CutMix's A ⊙ Σ keeps only
nearby covariance and is flatter across frequencies.

- Local task (label = a small 3×3 '+' versus '×' anywhere): the useful input
  gradient is concentrated on a few neighbouring pixels and is high-frequency.
  CutMix penalizes those nearby products about twice as much as Mixup (and its
  boxes cut the patch out while the label keeps the area ratio: label noise).
  Prediction: Mixup ≥ CutMix (HMix between them, GMix close to CutMix).
- Global task (label = the orientation of one faint cosine period across the
  image): the useful gradient is spread over the whole image and low-frequency;
  Mixup penalizes all far pairs (the direction of the data's top principal
  components) at full weight, CutMix weakly. Prediction: CutMix ≥ Mixup.

So the predicted sign of Δ = acc(Mixup) − acc(CutMix) is + on 'local' and − on
'global' (``PREDICTION``, stored with the results); claim 11 judges the task × strategy
interaction Δ_local − Δ_global (its rule lives in checks/).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import torch

from msda_theory.masks import PAPER_FAMILIES
from msda_theory.experiments import tasks
from msda_theory.stats import paired_difference, t_interval
from msda_theory.train import TrainConfig, fit
from msda_theory.weights import pair_weights

PREDICTION = {"local": "mixup > cutmix", "global": "cutmix > mixup"}
"""The ranking each task was designed to show (the module docstring), recorded in the stored data of both versions."""



def task_dependence_probe(base: TrainConfig, seeds: Sequence[int], *, strategies: Sequence[str] = PAPER_FAMILIES,
                          data: str = "fashion-mnist", size: int = 14, n_train: int = 2000, n_test: int = 1000,
                          task_params: dict[str, dict[str, float]] | None = None, root: str | None = None,
                          task_seed: int = 0) -> dict[str, Any]:
    """Train ``strategies`` × ``seeds`` on both synthetic tasks; accuracies with t-CIs and Δ(Mixup − CutMix).

    The tasks (train and test images) are fixed by ``task_seed``; the seeds vary
    initialisation, data order and masks. ``base`` sets model and optimisation.
    """
    params = task_params or {"local": {}, "global": {}}
    out: dict[str, Any] = {"tasks": {}, "size": size, "n_train": n_train,
                           "n_test": n_test, "seeds": list(seeds), "config": base.to_dict(), "task_params": params}
    for name, (train, test) in build_tasks(data, size, n_train, n_test, params, root, task_seed).items():
        finals = {s: [_final(replace(base, strategy=s, seed=seed, eval_train=True), train, test) for seed in seeds]
                  for s in strategies}
        out["tasks"][name] = summarize(finals)
    grid = (size, size)
    weights = {s: pair_weights(s, grid, method="quick", n_masks=20000,
                               generator=torch.Generator().manual_seed(task_seed)) for s in strategies}
    # mean a_pq over ordered pixel pairs at each Chebyshev distance 0 .. size - 1
    out["profiles"] = {s: w.profile("chebyshev").mean.tolist() for s, w in weights.items()}
    return out


def build_tasks(data: str, size: int, n_train: int, n_test: int, params: dict[str, dict[str, float]],
                root: str | None, task_seed: int) -> dict[str, tuple[Any, Any]]:
    """{task name: (train, test)}, fixed by ``task_seed`` (task k uses seeds task_seed + 2k and + 2k + 1)."""
    bg_train = tasks.backgrounds(data, size=size, split="train", root=root)
    bg_test = tasks.backgrounds(data, size=size, split="test", root=root)
    out = {}
    for k, name in enumerate(tasks.TASKS):
        train = tasks.make_task(name, bg_train, n_train, generator=torch.Generator().manual_seed(task_seed + 2 * k),
                                **params.get(name, {}))
        test = tasks.make_task(name, bg_test, n_test, generator=torch.Generator().manual_seed(task_seed + 2 * k + 1),
                               **params.get(name, {}))
        out[name] = (train, test)
    return out


def summarize(finals: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Accuracies with t-intervals, per-seed values, train accuracy and loss curves (and the clean training-loss
    curves where the runs recorded them), ranking and Δ(Mixup − CutMix)."""
    acc = {s: [f["test_accuracy"] for f in fs] for s, fs in finals.items()}
    result: dict[str, Any] = {
        "accuracy": {s: t_interval(v).as_dict() for s, v in acc.items()},
        "per_seed": acc,
        "train_accuracy": {s: t_interval([f["clean_train_accuracy"] for f in fs]).as_dict()
                           for s, fs in finals.items()},
        "train_loss_curves": {s: [f["train_loss_curve"] for f in fs] for s, fs in finals.items()},
        "ranking": sorted(acc, key=lambda s: -sum(acc[s]) / len(acc[s])),
    }
    if all("clean_train_loss_curve" in f for fs in finals.values() for f in fs):  # mixing runs (``fit``) only
        result["clean_train_loss_curves"] = {s: [f["clean_train_loss_curve"] for f in fs] for s, fs in finals.items()}
    if "mixup" in acc and "cutmix" in acc:
        result["mixup_minus_cutmix"] = paired_difference(acc["mixup"], acc["cutmix"]).as_dict()
    return result


def mechanism_probe(base: TrainConfig, seeds: Sequence[int], *, strategies: Sequence[str] = ("mixup", "cutmix"),
                    data: str = "fashion-mnist", size: int = 14, n_train: int = 2000, n_test: int = 1000,
                    task_params: dict[str, dict[str, float]] | None = None, root: str | None = None,
                    task_seed: int = 0, objective: str = "explicit-r1-r2") -> dict[str, Any]:
    """The mechanism version: the same tasks and seeds, trained on L_std + R1 + R2 (or L_std + R2: ``objective``,
    see ``experiments.mechanism.OBJECTIVES``) with each strategy's a, A.

    ``experiments.mechanism.train_explicit`` replaces mixing; a, A are
    ``pair_weights(method="quick")`` (exact where quick)."""
    from msda_theory.experiments.mechanism import train_explicit

    params = task_params or {"local": {}, "global": {}}
    grid = (size, size)
    weights = {s: pair_weights(s, grid, method="quick", n_masks=20000,
                               generator=torch.Generator().manual_seed(task_seed)) for s in strategies}
    out: dict[str, Any] = {"tasks": {}, "size": size, "n_train": n_train,
                           "n_test": n_test, "seeds": list(seeds), "config": base.to_dict(), "task_params": params,
                           "objective": ("L_std + R1 + R2" if objective == "explicit-r1-r2" else "L_std + R2")
                           + " (moment form, data moments of the training set)"}
    for name, (train, test) in build_tasks(data, size, n_train, n_test, params, root, task_seed).items():
        finals = {s: [train_explicit(replace(base, strategy="none", seed=seed), train, test, weights[s].a_p,
                                     weights[s].a_pq, objective) for seed in seeds] for s in strategies}
        out["tasks"][name] = summarize(finals)
    return out


def _final(config: TrainConfig, train: Any, test: Any) -> dict[str, Any]:
    """Train once with ``fit``; the last epoch's clean train / test accuracy, the training-loss curve (the mixed
    loss, averaged over each epoch's draws) and the clean training-loss curve (the unmixed training set, after
    each epoch)."""
    epochs = fit(config, progress=False, train_data=train, test_data=test, keep_config_data=True).metrics["epochs"]
    return {**epochs[-1], "train_loss_curve": [e["train_loss"] for e in epochs],
            "clean_train_loss_curve": [e["clean_train_loss"] for e in epochs]}

