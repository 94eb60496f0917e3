"""Claim 11's rule: the task × strategy interaction per version (Welch, four-way verdict) and the combined row."""
from __future__ import annotations

import pytest
from scipy import stats

from msda_theory.checks.claim_11_task_dependence import (LEARNED_MIN, combined_verdict, converged, max_fall,
                                                         mde, min_accuracy, version_interaction)
from msda_theory.checks.registry import NOT_CONVERGED
from msda_theory.stats import paired_difference

FLAT = [1.0, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]  # plateaued: relative fall 0
FALLING = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]


def _version(local: list[float], global_: list[float], curve: list[float] = FLAT, base: float = 0.9) -> dict:
    """A stored result with per-seed accuracies: CutMix at ``base``, Mixup at ``base`` + Δ per seed, on each task."""
    def task(deltas):
        return {"per_seed": {"mixup": [base + d for d in deltas], "cutmix": [base] * len(deltas)},
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


def test_learned_gate_reads_the_lowest_accuracy_of_any_task_strategy_and_seed() -> None:
    res = _version([0.05, 0.06, 0.07, 0.055], [-0.05, -0.06, -0.07, -0.065])
    assert min_accuracy(res) == pytest.approx(0.9 - 0.07)
    res["tasks"]["global"]["per_seed"]["cutmix"][2] = 0.5  # one seed of one strategy never learned
    assert min_accuracy(res) == 0.5
    assert not converged(res)


@pytest.mark.parametrize("base, passes",
                         [(LEARNED_MIN + 0.07 + 1e-9, True), (LEARNED_MIN + 0.069, False), (0.5, False)])
def test_a_seed_below_the_learned_floor_makes_the_row_not_converged(base, passes) -> None:
    # the lowest accuracy is base - 0.07 (Mixup, global task, third seed); plateaued curves throughout
    low = _version([0.05, 0.06, 0.07, 0.055], [-0.05, -0.06, -0.07, -0.065], base=base)
    assert converged(low) is passes
    expected = "holds" if passes else NOT_CONVERGED
    assert combined_verdict({"mixing": AS_PREDICTED, "mechanism": low}) == expected
    assert combined_verdict({"mixing": low, "mechanism": AS_PREDICTED}) == expected


def test_the_plateau_gate_reads_the_clean_training_loss_where_it_is_stored() -> None:
    # a mixed-label loss curve that is still falling, while the clean training loss has plateaued
    noisy = _version([0.05, 0.06, 0.07, 0.055], [-0.05, -0.06, -0.07, -0.065], FALLING)
    assert max_fall(noisy) > 0.05
    for task in noisy["tasks"].values():
        task["clean_train_loss_curves"] = {"mixup": [FLAT], "cutmix": [FLAT]}
    assert max_fall(noisy) == 0.0
    assert combined_verdict({"mixing": noisy, "mechanism": AS_PREDICTED}) == "holds"
    noisy["tasks"]["local"]["clean_train_loss_curves"]["cutmix"] = [FALLING]
    assert combined_verdict({"mixing": noisy, "mechanism": AS_PREDICTED}) == NOT_CONVERGED


def test_a_version_without_spread_reads_inconclusive_instead_of_crashing() -> None:
    """Every seed's Δ identical on both tasks (e.g. tiny-preset models all at chance): no test is possible."""
    from msda_theory.checks.claim_11_task_dependence import version_interaction
    flat = {"tasks": {t: {"per_seed": {"mixup": [0.5, 0.5], "cutmix": [0.5, 0.5]}} for t in ("local", "global")}}
    out = version_interaction(flat)
    assert out["verdict"] == "inconclusive" and out["estimate"] == 0.0 and out["mde"] == float("inf")


def test_the_largest_interaction_the_accuracies_allow_is_the_sum_of_the_two_headrooms() -> None:
    from msda_theory.checks.claim_11_task_dependence import ceiling_note, largest_interaction
    res = {"tasks": {"local": {"per_seed": {"mixup": [0.99, 0.97], "cutmix": [1.0, 1.0]}},
                     "global": {"per_seed": {"mixup": [0.995, 0.995], "cutmix": [0.99, 1.0]}}}}
    assert largest_interaction(res) == pytest.approx((1 - 0.98) + (1 - 0.995))
    assert "mechanism |I| ≤ 2.5 pp" not in ceiling_note({"mechanism": res})  # 2.5 pp: above the margin, no note
    assert ceiling_note({"mechanism": res}) == ""
    res["tasks"]["local"]["per_seed"]["mixup"] = [0.995, 0.995]
    assert ceiling_note({"mechanism": res}).startswith("Ceiling: mechanism |I| ≤ 1.0 pp possible")


def test_failed_gates_name_the_statistic_and_its_threshold() -> None:
    from msda_theory.checks.claim_11_task_dependence import failed_gates
    rising = [0.7, 0.6, 0.5, 0.4, 0.3, 0.25, 0.2, 0.15, 0.1, 0.05]  # still falling fast over its last epochs
    res = {"tasks": {"local": {"per_seed": {"mixup": [0.99], "cutmix": [0.6]}, "train_loss_curves": {"mixup": [rising]}}}}
    assert failed_gates(res)[0].startswith("plateau gate FAIL (") and failed_gates(res)[1] == \
        "learned gate FAIL (min accuracy 0.600 < 0.7)"
    res["tasks"]["local"]["per_seed"]["cutmix"] = [0.9]
    res["tasks"]["local"]["train_loss_curves"]["mixup"] = [[0.7, 0.3] + [0.2] * 8]
    assert failed_gates(res) == []
