"""Calibrated thresholds, TOST and the interaction test against scipy and hand-worked cases."""
import math

import numpy as np
import pytest
from scipy import stats

from msda_theory.decisions import bonferroni_z, effect_verdict, interaction, tost, two_sided_p


def test_bonferroni_z_is_the_family_wise_threshold():
    z = bonferroni_z(161_052, 0.01)
    assert round(z, 2) == 5.41  # the value quoted in the ledger issue for N = 161,052 entries
    assert 2 * 161_052 * stats.norm.sf(z) == pytest.approx(0.01, rel=1e-9)  # N P(|Z| > z*) = α
    assert bonferroni_z(1, 0.05) == pytest.approx(1.959964, abs=1e-6)  # the textbook two-sided 5% point


def test_bonferroni_z_controls_the_maximum_of_independent_normals():
    """Simulated: P(max of N iid |Z| > z*) ≤ α (Bonferroni is conservative); SE of the rate = √(p(1−p)/R)."""
    rng = np.random.default_rng(0)
    n, reps, alpha = 2_000, 4_000, 0.05
    hits = np.abs(rng.standard_normal((reps, n))).max(1) > bonferroni_z(n, alpha)
    se = math.sqrt(alpha * (1 - alpha) / reps)
    assert hits.mean() <= alpha + 4 * se


def test_tost_equals_two_one_sided_t_tests():
    v = np.array([0.3, -0.1, 0.5, 0.2, 0.0, 0.4, 0.1, 0.25])
    se, df, margin = stats.sem(v), v.size - 1, 0.6
    result = tost(float(v.mean()), float(se), margin, df=df)
    assert result.p_lower == pytest.approx(stats.ttest_1samp(v, -margin, alternative="greater").pvalue, rel=1e-10)
    assert result.p_upper == pytest.approx(stats.ttest_1samp(v, margin, alternative="less").pvalue, rel=1e-10)
    assert result.p == max(result.p_lower, result.p_upper)


def test_tost_normal_hand_worked():
    # mean 0.3, se 0.5, δ = 1: z_lower = 2.6, z_upper = 1.4; Φ(−1.4) = 0.0807567 (normal table)
    result = tost(0.3, 0.5, 1.0)
    assert result.p_upper == pytest.approx(0.0807567, abs=1e-6)
    assert result.p_lower == pytest.approx(0.0046612, abs=1e-6)  # Φ(−2.6)
    assert two_sided_p(1.96, 1.0) == pytest.approx(0.05, abs=1e-4)


@pytest.mark.parametrize("mean, se, verdict", [
    (5.0, 1.0, "holds"), (-5.0, 1.0, "fails"), (0.1, 0.1, "no useful effect"), (0.5, 1.0, "inconclusive"),
    (0.3, 0.1, "no useful effect"),  # significant but smaller than δ: equivalent within ±1
])
def test_effect_verdict_cases(mean, se, verdict):
    assert effect_verdict(mean, se, 1.0) == verdict


def test_effect_verdict_false_alarm_rates():
    """Under Δ = 0, 'holds' at most α/2; under Δ = δ, 'no useful effect' at most α (SE √(p(1−p)/R), z = 4)."""
    rng = np.random.default_rng(1)
    reps, alpha, se, margin = 20_000, 0.05, 1.0, 2.0
    null = [effect_verdict(float(m), se, margin, alpha=alpha) for m in rng.normal(0.0, se, reps)]
    edge = [effect_verdict(float(m), se, margin, alpha=alpha) for m in rng.normal(margin, se, reps)]
    bound = lambda p: p + 4 * math.sqrt(p * (1 - p) / reps)  # noqa: E731
    assert np.mean([v == "holds" for v in null]) <= bound(alpha / 2)
    assert np.mean([v == "no useful effect" for v in edge]) <= bound(alpha)


def test_interaction_is_welch():
    first, second = [1.2, 0.8, 1.5, 1.1, 0.9], [-0.4, 0.1, -0.2, 0.3, -0.6, -0.1]
    result = interaction(first, second)
    ref = stats.ttest_ind(first, second, equal_var=False)
    assert result.estimate == pytest.approx(np.mean(first) - np.mean(second))
    assert result.estimate / result.se == pytest.approx(ref.statistic, rel=1e-12)
    assert result.p == pytest.approx(ref.pvalue, rel=1e-10)
    assert result.df == pytest.approx(ref.df, rel=1e-12)


def test_bad_inputs():
    with pytest.raises(ValueError, match="n_tests must be a positive integer"):
        bonferroni_z(0)
    with pytest.raises(ValueError, match="family_alpha must be in"):
        bonferroni_z(10, 1.5)
    with pytest.raises(ValueError, match="se must be finite and > 0"):
        tost(0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match="margin must be finite and > 0"):
        tost(0.0, 1.0, -1.0)
    with pytest.raises(ValueError, match="at least 2 finite values"):
        interaction([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="zero variance"):
        interaction([1.0, 1.0], [2.0, 2.0])
