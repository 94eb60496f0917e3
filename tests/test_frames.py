"""Sweep and robustness results as records and pandas DataFrames (pandas optional)."""
from __future__ import annotations

import statistics
import sys

import pytest
import torch
from torch import nn

from msda_theory.attacks import evaluate_robustness
from msda_theory.frames import robustness_frame, robustness_records, sweep_frame, sweep_records, to_frame
from msda_theory.train import TrainConfig
from msda_theory.train.sweep import summarize


def sweep_result() -> dict:
    """A run_sweep-shaped result from ``summarize`` over made-up final metrics (2 strategies x 3 seeds)."""
    runs = []
    for strategy in ("none", "mixup"):
        for seed in (0, 1, 2):
            final = {"test_accuracy": 0.5 + 0.1 * seed + (0.05 if strategy == "mixup" else 0.0),
                     "test_loss": 1.0 - 0.1 * seed}
            runs.append((TrainConfig(strategy=strategy, seed=seed), {"final": final}))
    return {"rows": summarize(runs)}


def robustness_results() -> list[dict]:
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(20, 1, 3, 3, generator=g), torch.randint(2, (20,), generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(9, 2))
    out = []
    for label, attack in (("mixup", "fgsm"), ("none", "pgd")):
        result = evaluate_robustness(model, x, y, [0.0, 0.1], attack=attack, steps=2, progress=False)
        out.append({**result, "label": label})
    return out


def test_sweep_records_one_row_per_strategy_or_per_seed() -> None:
    result = sweep_result()
    rows = sweep_records(result)
    assert [(r["data"], r["strategy"], r["n"]) for r in rows] == [("digits", "none", 3), ("digits", "mixup", 3)]
    assert rows[1]["test_accuracy_mean"] == pytest.approx(statistics.fmean([0.55, 0.65, 0.75]))
    seeds = sweep_records(result, per_seed=True)
    assert len(seeds) == 6 and seeds[4] == {"data": "digits", "strategy": "mixup", "seed": 1,
                                            "test_accuracy": pytest.approx(0.65), "test_loss": pytest.approx(0.9)}


def test_robustness_records_one_row_per_result_and_eps() -> None:
    results = robustness_results()
    rows = robustness_records(results)
    assert len(rows) == 4 and [r["label"] for r in rows] == ["mixup", "mixup", "none", "none"]
    for r in rows:
        source = results[r["result"]]
        j = source["eps"].index(r["eps"])
        assert (r["accuracy"], r["correct"], r["step_size"]) == (source["accuracy"][j], source["correct"][j],
                                                                  source["step_size"][j])
        assert r["ci_low"] <= r["accuracy"] <= r["ci_high"] and r["n"] == 20
    assert robustness_records(results[0]) == rows[:2]


def test_bad_results_are_one_clear_error() -> None:
    with pytest.raises(ValueError, match="a sweep result must be a dict with 'rows'"):
        sweep_records({"ran": []})
    with pytest.raises(ValueError, match=r"robustness result 0 lacks the keys \['ci_low', 'ci_high'"):
        robustness_records({"attack": "fgsm", "norm": "linf", "eps": [0], "accuracy": [1], "correct": [1], "n": 1})
    with pytest.raises(ValueError, match="robustness results must hold at least one evaluation"):
        robustness_records([])
    with pytest.raises(ValueError, match="to_frame takes a sweep result"):
        to_frame(3)


def test_missing_pandas_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now raises ImportError
    with pytest.raises(ValueError, match=r'DataFrames need pandas, which is not installed: pip install "msda_theory\[pandas\]"'):
        sweep_frame(sweep_result())
    with pytest.raises(ValueError, match="DataFrames need pandas"):
        robustness_frame(robustness_results())


def test_frames_hold_the_records() -> None:
    pd = pytest.importorskip("pandas")
    result, results = sweep_result(), robustness_results()
    frame = to_frame(result)
    assert isinstance(frame, pd.DataFrame) and list(frame["strategy"]) == ["none", "mixup"]
    assert frame.to_dict("records") == sweep_records(result)
    assert len(to_frame(result, per_seed=True)) == 6
    robust = to_frame(results)
    assert robust.shape[0] == 4 and robust.to_dict("records") == robustness_records(results)
    assert robust.groupby("label")["accuracy"].max().to_dict() == {
        r["label"]: max(r["accuracy"]) for r in results}
