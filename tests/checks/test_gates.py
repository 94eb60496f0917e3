"""The training gates: overfit (vanilla train accuracy) and plateau (share of the whole loss fall in the last epochs)."""
from __future__ import annotations

import math

import pytest

from msda_theory.checks.gates import PLATEAU_TOL, gates_text, mixed_label_history, plateau, training_gates


def test_plateau_is_the_last_fall_as_a_share_of_the_whole_fall() -> None:
    # 10 epochs, k = 2: previous two mean 0.25, last two mean 0.2, whole fall 1.2 − 0.2 = 1.0 → 0.05
    losses = [1.2, 1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2]
    assert plateau(losses) == pytest.approx((0.25 - 0.2) / 1.0)
    assert plateau([1.0, 0.9, 0.8]) == math.inf  # too short to judge
    assert plateau([1.0] * 10) == math.inf  # never fell: not converged either


def test_gates_need_overfitting_vanilla_and_flat_losses() -> None:
    flat = {"train_loss": [2.0, 1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]}
    falling = {"train_loss": [2.0, 1.8, 1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.4, 0.2]}
    unit = lambda acc, curve: {"curve": {**curve, "clean_train_accuracy": [acc]}}  # noqa: E731
    assert training_gates({"none": [unit(0.99, flat)], "mixup": [unit(0.9, flat)]})["passed"]
    assert not training_gates({"none": [unit(0.97, flat)], "mixup": [unit(0.9, flat)]})["passed"]
    g = training_gates({"none": [unit(0.99, flat)], "mixup": [unit(0.9, falling)]})
    assert g["overfit"]["passed"] and not g["plateau"]["passed"]
    assert max(g["plateau"]["relative_fall"]["mixup"]) > PLATEAU_TOL


def test_the_plateau_gate_reads_the_clean_loss_and_keeps_the_mixed_label_statistic_for_the_history() -> None:
    flat = [2.0, 1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]
    noisy = [2.0, 1.0, 0.5, 0.3, 0.2, 0.25, 0.35, 0.3, 0.2, 0.2]  # last 2 mean 0.2, previous 2 mean 0.325: falls 0.069
    rising = [2.0, 1.0, 0.5, 0.3, 0.2, 0.2, 0.2, 0.2, 0.25, 0.25]  # the last epochs rose: a negative fall
    unit = lambda mixed, clean: {"curve": {"train_loss": mixed, "clean_train_loss": clean,  # noqa: E731
                                           "clean_train_accuracy": [0.99]}}
    g = training_gates({"none": [unit(flat, flat)], "mixup": [unit(noisy, flat), unit(rising, flat)]})
    assert g["passed"] and g["plateau"]["curve"] == "clean training loss"
    assert g["plateau"]["mixed_label"]["mixup"][0] == pytest.approx((0.325 - 0.2) / (2.0 - 0.2))
    text = mixed_label_history(g)
    assert f"is {(0.325 - 0.2) / 1.8:.3f} on these models (FAIL at ≤ {PLATEAU_TOL}" in text
    assert "(1 of 2 MSDA curves rose over their last epochs, against 0 of 1 vanilla curves)" in text
    assert "max relative fall of the clean training loss" in gates_text(g)
    old = training_gates({"none": [{"curve": {"train_loss": flat, "clean_train_accuracy": [0.99]}}]})
    assert old["plateau"]["curve"] == "training loss"  # a result stored without clean curves: the old curve
