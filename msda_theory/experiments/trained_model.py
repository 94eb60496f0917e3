"""One trained model, attacked: the unit of claims 8b, 9 and 12b and of the convergence figure.

For one (strategy, seed) under a preset: ``train.fit`` (the one training loop) with clean
train evaluation after every epoch, then, on the first ``n_eval`` test images, per image and
per radius ε of each norm, whether the model is still correct under the WORST of every attack of
``attacks.ATTACKS`` (FGSM, and PGD with ``restarts`` random restarts and a step size 2.5 ε / steps):

    robust_i(ε) = correct(x_i) ∧ ∧_attack correct(attack_ε(x_i)),

so PGD can never look weaker than FGSM. Per attack the per-image correctness is kept too (the
sanity check: PGD accuracy ≤ FGSM accuracy + 0.01). The first-layer weights are stored for the
first-layer probe. The result is a plain JSON dict (lists of 0/1 per image), stored by
``msda_theory.results``.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from msda_theory.attacks import ATTACKS, AttackSettings
from msda_theory.data import load
from msda_theory.train import TrainConfig, fit


def _correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return (model(x).argmax(1) == y).to(torch.int64)


def attack_images(model: nn.Module, x: torch.Tensor, y: torch.Tensor, attack: dict[str, Any], *,
                  generator: torch.Generator) -> dict[str, Any]:
    """Per-image correctness {clean, per norm: {eps, <attack> for every attack of the registry, worst}}
    (lists of 0/1 per ε); worst = clean ∧ every attack."""
    clean = _correct(model, x, y)
    out: dict[str, Any] = {"clean": clean.tolist()}
    for norm, radii in attack["eps"].items():
        rows: dict[str, list[list[int]]] = {name: [] for name in (*ATTACKS, "worst")}
        for eps in radii:
            settings = AttackSettings(norm=norm, steps=attack["pgd_steps"], step_size=2.5 * eps / attack["pgd_steps"],
                                      restarts=attack["restarts"], generator=generator)
            worst = clean.clone()
            for name, run in ATTACKS.items():
                correct = _correct(model, run(model, x, y, eps, settings).x_adv, y)
                rows[name].append(correct.tolist())
                worst &= correct
            rows["worst"].append(worst.tolist())
        out[norm] = {"eps": list(radii), **rows}
    return out


def run_trained_model(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train ``config['train']`` with ``seed``, attack its test images; the stored data of one unit."""
    train = TrainConfig.from_dict({**config["train"], "seed": seed, "eval_train": True})
    result = fit(train, progress=False)
    model = result.model.eval()
    test = load(train.data, train.root, "test")
    n = config["attack"]["n_eval"]
    x, y = test.x[:n], test.y[:n]
    images = attack_images(model, x, y, config["attack"], generator=torch.Generator().manual_seed(seed))
    epochs = result.metrics["epochs"]
    return {
        "strategy": train.strategy, "seed": seed, "data": train.data, "n_train": result.metrics["task"]["n_train"],
        "n_eval": len(y), "config_train": train.to_dict(), "in_shape": list(x.shape[1:]),
        "curve": {k: [e[k] for e in epochs] for k in ("train_loss", "clean_train_accuracy", "clean_train_loss",
                                                        "test_accuracy", "seconds")},
        "attacks": images,
        "first_layer_weight": model.first_layer.weight.detach().to(torch.float64).tolist(),
    }


def by_strategy(units: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Stored units grouped by strategy (vanilla 'none' first), each list in seed order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for u in sorted(units, key=lambda u: (u["strategy"] != "none", u["seed"])):
        out.setdefault(u["strategy"], []).append(u)
    return out


__all__ = ["attack_images", "by_strategy", "run_trained_model"]
