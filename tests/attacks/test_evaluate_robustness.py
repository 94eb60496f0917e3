"""evaluate_robustness, Wilson intervals, presets and the accuracy-vs-eps figure."""
from __future__ import annotations

import json
import math

import pytest
import torch
from attack_models import PoolNet
from scipy import stats

from msda_theory.attacks import (
    PRESETS, evaluate_preset, evaluate_robustness, fgsm, plot_robustness_curves, wilson_interval,
)

KEYS = {"attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "correct", "n", "sanity"}


@pytest.mark.parametrize("k,n", [(0, 10), (3, 10), (10, 10), (437, 500), (1, 1)])
def test_wilson_matches_the_score_formula(k: int, n: int) -> None:
    """Wilson (1927): centre (p + z²/2n)/(1 + z²/n), half-width z/(1 + z²/n)·sqrt(p(1-p)/n + z²/4n²)."""
    z = stats.norm.ppf(0.975)
    p, z2 = k / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    lo, hi = wilson_interval(k, n)
    assert lo == pytest.approx(max(0.0, centre - half), abs=1e-12) and hi == pytest.approx(min(1.0, centre + half), abs=1e-12)


def test_result_fields_and_clean_accuracy(trained_mlp) -> None:
    model, x, y = trained_mlp
    result = evaluate_robustness(model, x, y, [0, 0.05, 0.1], attack="fgsm", norm="linf", n=200, batch_size=64)
    assert KEYS <= set(result) and result["n"] == 200 and result["eps"] == [0.0, 0.05, 0.1]
    with torch.no_grad():
        clean = (model(x[:200]).argmax(1) == y[:200]).sum().item()
    assert result["correct"][0] == clean and result["accuracy"][0] == clean / 200
    for lo, a, hi, c in zip(result["ci_low"], result["accuracy"], result["ci_high"], result["correct"]):
        assert lo <= a <= hi and (lo, hi) == wilson_interval(c, 200)
    assert result["accuracy"][2] < result["accuracy"][0]
    json.dumps(result)  # JSON-ready


def test_fgsm_accuracy_is_independent_of_the_batch_size(trained_mlp) -> None:
    model, x, y = trained_mlp
    whole = evaluate_robustness(model, x, y, [0.1], attack="fgsm", batch_size=300)
    pieces = evaluate_robustness(model, x, y, [0.1], attack="fgsm", batch_size=7)
    assert whole["correct"] == pieces["correct"]
    with torch.no_grad():
        direct = (model(fgsm(model, x, y, 0.1)).argmax(1) == y).sum().item()
    assert whole["correct"] == [direct]


def test_pgd_evaluation_is_reproducible_and_restores_the_model(trained_mlp) -> None:
    model, x, y = trained_mlp
    model.train()
    run = lambda: evaluate_robustness(model, x, y, [0.08], attack="pgd", norm="l2", steps=3,  # noqa: E731
                                      batch_size=100, generator=torch.Generator().manual_seed(3))
    assert run() == run()
    assert model.training and all(p.grad is None and p.requires_grad for p in model.parameters())
    model.eval()


def test_presets_are_fixed_and_evaluable() -> None:
    assert set(PRESETS) == {"quick", "standard", "thorough"}
    assert PRESETS["standard"].attack == "pgd" and PRESETS["standard"].steps == 10
    assert PRESETS["quick"].attack == "fgsm" and PRESETS["quick"].eps("linf")[0] == 0.0
    gen = torch.Generator().manual_seed(0)
    x, y = torch.rand(20, 1, 3, 3, generator=gen), torch.randint(0, 3, (20,), generator=gen)
    results = evaluate_preset(PoolNet(), x, y, "quick", generator=gen)
    assert [r["norm"] for r in results] == ["linf", "l2"] and all(r["preset"] == "quick" for r in results)
    assert results[1]["eps"] == list(PRESETS["quick"].eps("l2")) and results[0]["n"] == 20


def test_plot_robustness_curves_writes_image_and_data(tmp_path, trained_mlp) -> None:
    model, x, y = trained_mlp
    results = []
    for strategy, scale in (("none", 1.0), ("mixup", 0.5)):
        r = evaluate_robustness(model, x * scale, y, [0, 0.05, 0.1], attack="fgsm", n=50)
        results.append({**r, "config": {"strategy": strategy, "seed": 0}})
    fig = plot_robustness_curves(results, tmp_path / "robust.png")
    paths = [tmp_path / "robust.png", tmp_path / "robust.json"]
    assert len(fig.axes) == 1 and paths[0].stat().st_size > 1000
    assert json.loads(paths[1].read_text())["results"][1]["config"]["strategy"] == "mixup"
