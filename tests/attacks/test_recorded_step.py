"""The robustness result records the step each attack used at each radius (not the ``None`` it was given)."""
from __future__ import annotations

import torch

from msda_theory.attacks import evaluate_robustness, pgd


def test_default_pgd_step_is_recorded_per_eps_and_reproduces_the_attack(trained_mlp) -> None:
    model, x, y = trained_mlp
    eps = [0.0, 0.05, 0.1]
    result = evaluate_robustness(model, x, y, eps, attack="pgd", steps=4, random_start=False, n=100)
    assert result["step_size"] == [2.5 * e / 4 for e in eps]
    for e, step, correct in zip(eps[1:], result["step_size"][1:], result["correct"][1:]):
        again = pgd(model, x[:100], y[:100], e, steps=4, step_size=step, random_start=False)
        with torch.no_grad():
            assert int((model(again).argmax(1) == y[:100]).sum()) == correct


def test_given_pgd_step_and_fgsm_step_are_recorded(trained_mlp) -> None:
    model, x, y = trained_mlp
    given = evaluate_robustness(model, x, y, [0.05, 0.1], attack="pgd", steps=2, step_size=0.03, n=50)
    assert given["step_size"] == [0.03, 0.03]
    fgsm = evaluate_robustness(model, x, y, [0.0, 0.05], attack="fgsm", n=50)
    assert fgsm["step_size"] == [0.0, 0.05]  # one step of size eps
