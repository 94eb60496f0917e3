"""Claim 11's rule: the task × strategy interaction per version (Welch, four-way verdict) and the combined row."""
from __future__ import annotations

import pytest
from scipy import stats

from msda_theory.checks.claim_11_task_dependence import combined_verdict, mde, version_interaction
from msda_theory.checks.registry import NOT_CONVERGED
from msda_theory.stats import paired_difference

FLAT = [1.0, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]  # plateaued: relative fall 0
FALLING = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]


def _version(local: list[float], global_: list[float], curve: list[float] = FLAT) -> dict:
    """A stored result with per-seed accuracies: CutMix at 0.5, Mixup at 0.5 + Δ per seed, on each task."""
    def task(deltas):
        return {"per_seed": {"mixup": [0.5 + d for d in deltas], "cutmix": [0.5] * len(deltas)},
                "train_loss_curves": {"mixup": [curve], "cutmix": [curve]}}
    return {"tasks": {"local": task(local), "global": task(global_)}}


AS_PREDICTED = _version([0.05, 0.06, 0.07, 0.055], [-0.05, -0.06, -0.07, -0.065])
AGAINST = _version([-0.05, -0.06, -0.07, -0.055], [0.05, 0.06, 0.07, 0.065])
NULL = _version([0.02, -0.03, 0.01, 0.04], [0.03, -0.02, 0.01, -0.04])
FLAT_EFFECT = _version([0.001, 0.002, 0.0, 0.001], [0.0, 0.001, 0.002, 0.001])


@pytest.mark.parametrize("mixing, mechanism, expected", [
    (AS_PREDICTED, AS_PREDICTED, "holds"), (AGAINST, AGAINST, "fails"), (AS_PREDICTED, NULL, "inconclusive"),
    (AS_PREDICTED, AGAINST, "inconclusive"), (NULL, AS_PREDICTED, "inconclusive"),
    (FLAT_EFFECT, FLAT_EFFECT, "no useful effect"),
    (AS_PREDICTED, _version([0.05, 0.06, 0.07, 0.055], [-0.05, -0.06, -0.07, -0.065], FALLING), NOT_CONVERGED),
])
def test_the_row_needs_both_versions(mixing, mechanism, expected) -> None:
    assert combined_verdict({"mixing": mixing, "mechanism": mechanism}) == expected


def test_interaction_is_welch_on_per_seed_deltas() -> None:
    local, global_ = [0.05, 0.01, 0.07, 0.03], [-0.02, 0.01, -0.06, 0.0]
    got = version_interaction(_version(local, global_))
    ref = stats.ttest_ind(local, global_, equal_var=False)
    assert got["estimate"] / got["se"] == pytest.approx(ref.statistic, rel=1e-10)
    assert got["p"] == pytest.approx(ref.pvalue, rel=1e-9)


def test_mde_is_t_quantiles_times_the_standard_error() -> None:
    values = [0.01, 0.03, -0.02, 0.04]
    interval = paired_difference(values, [0.0] * 4).as_dict()
    se = stats.tstd(values) / 2  # s / √n, n = 4
    assert mde(interval) == pytest.approx((stats.t.ppf(0.975, 3) + stats.t.ppf(0.8, 3)) * se)
    assert mde({"mean": 0.0, "low": -1.0, "high": 1.0, "n": 1}) == float("inf")
