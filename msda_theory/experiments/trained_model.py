"""One trained model, attacked: the unit of claims 8b, 9 and 12b and of the convergence figure.

For one (strategy, seed) under a preset: ``train.fit`` (the one training loop) with clean
train evaluation after every epoch, then, on the first ``n_eval`` test images, per image and
per radius ε of each norm, whether the model is still correct under the WORST of every attack named
in the config (the preset pins them) (FGSM, and PGD with ``restarts`` random restarts and a step size 2.5 ε / steps):

    robust_i(ε) = correct(x_i) ∧ ∧_attack correct(attack_ε(x_i)),

so PGD can never look weaker than FGSM. Per attack the per-image correctness is kept too (the
sanity check: PGD accuracy ≤ FGSM accuracy + 0.01); per-image correctness is stored as a string of
'0'/'1' (``decode`` reads it back). The first layer is summarized where the weights are at hand:
its penalty tr(W (A_s ⊙ Σ) Wᵀ) under every paper family's A_s (Monte Carlo, 10000 masks, one fixed
draw for every model; Σ of the training subset) and its normalized radial filter spectrum. The
result is a plain JSON dict stored by ``msda_theory.results``.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import nn

from msda_theory import masks
from msda_theory.attacks import AttackSettings, get_attack
from msda_theory.data import load
from msda_theory.experiments.first_layer import (data_covariance, filters_of, first_layer_gram, first_layer_penalty,
                                                 radial_spectrum)
from msda_theory.experiments.stored import encode
from msda_theory.masks import PAPER_FAMILIES
from msda_theory.train import TrainConfig, fit, prepare_task
from msda_theory.weights import pair_weights


def first_layer_summary(model: nn.Module, x_train: torch.Tensor) -> dict[str, Any]:
    """{"penalty": {s: tr(W (A_s ⊙ Σ) Wᵀ)} for the paper families, "spectrum": normalized radial energy}."""
    layer, in_shape = model.first_layer, tuple(int(v) for v in x_train.shape[1:])
    sigma, gram = data_covariance(x_train), first_layer_gram(layer, in_shape)
    penalty = {s: first_layer_penalty(gram, pair_weights(s, in_shape[1:], method="mask-set", n_masks=10_000,
                                                             generator=torch.Generator().manual_seed(0)).a_pq,
                                      sigma, in_shape[0]) for s in PAPER_FAMILIES}
    filters = filters_of(layer, in_shape)
    spectrum = radial_spectrum(filters, 8 if filters.shape[-1] < 8 else None)
    return {"penalty": penalty, "spectrum": (spectrum / spectrum.sum()).tolist()}


def _correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return (model(x).argmax(1) == y).to(torch.int64)


def attack_images(model: nn.Module, x: torch.Tensor, y: torch.Tensor, attack: dict[str, Any], *,
                  generator: torch.Generator) -> dict[str, Any]:
    """Per-image correctness {clean, per norm: {eps, <attack> for every attack named in ``attack['attacks']``,
    worst}} (an ``encode``d string per ε); worst = clean ∧ every attack."""
    attacks = {name: get_attack(name) for name in attack["attacks"]}
    clean = _correct(model, x, y)
    out: dict[str, Any] = {"clean": encode(clean)}
    for norm, radii in attack["eps"].items():
        rows: dict[str, list[str]] = {name: [] for name in (*attacks, "worst")}
        for eps in radii:
            settings = AttackSettings(norm=norm, steps=attack["pgd_steps"], step_size=2.5 * eps / attack["pgd_steps"],
                                      restarts=attack["restarts"], generator=generator)
            worst = clean.clone()
            for name, run in attacks.items():
                correct = _correct(model, run(model, x, y, eps, settings).x_adv, y)
                rows[name].append(encode(correct))
                worst &= correct
            rows["worst"].append(encode(worst))
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
        "strategy": masks.short_spec(train.strategy), "seed": seed, "data": train.data, "n_train": result.metrics["task"]["n_train"],
        "n_eval": len(y), "config_train": train.to_dict(), "in_shape": list(x.shape[1:]),
        "curve": {k: [e[k] for e in epochs] for k in ("train_loss", "clean_train_accuracy", "clean_train_loss",
                                                        "test_accuracy", "seconds")},
        "attacks": images,
        "first_layer": first_layer_summary(model, prepare_task(train).x_train),
    }



__all__ = ["attack_images", "first_layer_summary", "run_trained_model"]
