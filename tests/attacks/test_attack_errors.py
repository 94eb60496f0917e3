"""Bad input raises ValueError with an exact message (style point 6)."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from msda_theory.attacks import evaluate_robustness, fgsm, get_preset, pgd, plot_robustness_curves, wilson_interval

MODEL = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
X = torch.rand(5, 1, 2, 2)
Y = torch.tensor([0, 1, 2, 0, 1])


@pytest.mark.parametrize("attack", [fgsm, pgd])
@pytest.mark.parametrize("kwargs,match", [
    ({"norm": "l1"}, r"norm must be 'linf' or 'l2', got 'l1'"),
    ({"eps": -0.1}, r"eps must be a finite number >= 0, got -0.1"),
    ({"eps": math.nan}, r"eps must be a finite number >= 0, got nan"),
    ({"bounds": (1.0, 0.0)}, r"bounds must satisfy lo < hi, got \(1.0, 0.0\)"),
    ({"bounds": (0.0, 0.0)}, r"bounds must satisfy lo < hi, got \(0.0, 0.0\)"),
    ({"bounds": (0.0,)}, r"bounds must be a pair \(lo, hi\), got \(0.0,\)"),
    ({"bounds": (0.2, 1.0)}, r"x lies outside bounds \(0.2, 1.0\): min"),
])
def test_attack_argument_errors(attack, kwargs, match) -> None:
    args = {"eps": 0.1, **kwargs}
    eps = args.pop("eps")
    x = X.clone()
    x[0, 0, 0, 0] = 0.1
    with pytest.raises(ValueError, match=match):
        attack(MODEL, x, Y, eps, **args)


def test_input_errors() -> None:
    with pytest.raises(ValueError, match=r"y must have shape \(5,\), got \(4,\)"):
        fgsm(MODEL, X, Y[:4], 0.1)
    with pytest.raises(ValueError, match=r"y must hold integer labels, got dtype torch.float32"):
        fgsm(MODEL, X, Y.float(), 0.1)
    with pytest.raises(ValueError, match=r"x must be a floating tensor, got dtype torch.int64"):
        fgsm(MODEL, X.long(), Y, 0.1)
    with pytest.raises(ValueError, match=r"labels must lie in 0..2 for a model with this output, got 0..3"):
        fgsm(MODEL, X, torch.tensor([0, 1, 2, 3, 0]), 0.1)
    with pytest.raises(ValueError, match=r"model output must be \(B,\), \(B, 1\) or \(B, K\) logits, got shape \(5, 1, 3\)"):
        fgsm(nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Unflatten(1, (1, 3))), X, Y, 0.1)


def test_pgd_schedule_errors() -> None:
    with pytest.raises(ValueError, match=r"steps must be an integer >= 1, got 0"):
        pgd(MODEL, X, Y, 0.1, steps=0)
    with pytest.raises(ValueError, match=r"restarts must be an integer >= 1, got 0"):
        pgd(MODEL, X, Y, 0.1, restarts=0)
    with pytest.raises(ValueError, match=r"step_size must be a finite number > 0, got -1.0"):
        pgd(MODEL, X, Y, 0.1, step_size=-1.0)


def test_evaluation_errors() -> None:
    with pytest.raises(ValueError, match=r"attack must be 'fgsm' or 'pgd', got 'cw'"):
        evaluate_robustness(MODEL, X, Y, [0.1], attack="cw")
    with pytest.raises(ValueError, match=r"eps_list must hold at least one radius"):
        evaluate_robustness(MODEL, X, Y, [])
    with pytest.raises(ValueError, match=r"n must be an integer in 1..5, got 6"):
        evaluate_robustness(MODEL, X, Y, [0.1], n=6)
    with pytest.raises(ValueError, match=r"batch_size must be an integer >= 1, got 0"):
        evaluate_robustness(MODEL, X, Y, [0.1], batch_size=0)
    with pytest.raises(ValueError, match=r"n must be >= 1, got 0"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match=r"successes must lie in 0..3, got 4"):
        wilson_interval(4, 3)
    with pytest.raises(ValueError, match=r"unknown preset 'fast'; choose one of: quick, standard, thorough"):
        get_preset("fast")
    with pytest.raises(ValueError, match=r"results must hold at least one evaluation"):
        plot_robustness_curves([], "unused.png")
    with pytest.raises(ValueError, match=r"a result lacks the keys \['ci_low', 'ci_high'\]"):
        plot_robustness_curves([{"attack": "fgsm", "norm": "linf", "eps": [0], "accuracy": [1]}], "unused.png")
