"""Claim 11's mixing experiment at the tiny preset: what it stores for the plateau and learned gates."""
from __future__ import annotations

import math

from msda_theory.experiments import presets
from msda_theory.experiments.small import run_task


def test_the_mixing_version_stores_clean_and_mixed_loss_curves_per_strategy_and_seed() -> None:
    config = presets.task("tiny")
    out = run_task(config, 0)
    epochs, seeds = config["train"]["epochs"], len(config["seeds"])
    for task in out["tasks"].values():
        assert set(task["clean_train_loss_curves"]) == set(task["train_loss_curves"]) == set(task["per_seed"])
        for strategy, curves in task["clean_train_loss_curves"].items():
            assert len(curves) == seeds and all(len(c) == epochs for c in curves)
            assert all(math.isfinite(v) and v > 0 for c in curves for v in c)
            if strategy != "none":  # mixing changes the loss: the mixed curve is not the clean one
                assert curves != task["train_loss_curves"][strategy]
