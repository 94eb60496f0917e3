"""Adversarial robustness: FGSM, PGD, their sanity checks, presets and evaluation (docs/theory.md sections 8-9).

``fgsm`` and ``pgd`` return adversarial examples inside the eps-ball and the
input bounds; ``evaluate_robustness`` gives accuracy per eps with 95% Wilson
intervals and a ``sanity`` dict, dispatching through ``ATTACKS`` (name ->
attack, one signature; ``get_attack``); ``PRESETS`` fixes named evaluations;
``plot_robustness_curves`` draws accuracy against eps per strategy.
"""
from msda_theory.attacks.confidence import wilson_interval
from msda_theory.attacks.curves import plot_robustness_curves
from msda_theory.attacks.evaluate import evaluate_robustness
from msda_theory.attacks.fgsm import fgsm
from msda_theory.attacks.pgd import pgd
from msda_theory.attacks.registry import ATTACKS, Attack, AttackSettings, get_attack
from msda_theory.attacks.robustness_presets import PRESETS, Preset, evaluate_preset, get_preset
from msda_theory.attacks.sanity import looks_like_probabilities
from msda_theory.attacks.threat import NORMS

__all__ = [
    "ATTACKS",
    "Attack",
    "AttackSettings",
    "NORMS",
    "PRESETS",
    "Preset",
    "evaluate_preset",
    "evaluate_robustness",
    "fgsm",
    "get_attack",
    "get_preset",
    "looks_like_probabilities",
    "pgd",
    "plot_robustness_curves",
    "wilson_interval",
]
