"""The t-interval helper against scipy."""
import math

import numpy as np
import pytest
from scipy import stats

from msda_theory.stats import paired_difference, t_interval


@pytest.mark.parametrize("values", [[0.1, 0.4, 0.35], [1.0, 2.0, 3.0, 4.0, 10.0], [0.5, 0.5001]])
def test_t_interval_matches_scipy(values):
    ci = t_interval(values, 0.95)
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=stats.sem(values))
    assert ci.low == pytest.approx(lo, rel=1e-12) and ci.high == pytest.approx(hi, rel=1e-12)
    assert ci.n == len(values)


def test_verdicts_and_pairing():
    assert t_interval([1.0, 1.1, 0.9]).verdict() == "holds"
    assert t_interval([-1.0, -1.1, -0.9]).verdict() == "fails"
    assert t_interval([-1.0, 1.0, 0.1]).verdict() == "inconclusive"
    d = paired_difference([2.0, 3.0, 4.0], [1.0, 2.0, 3.5])
    assert d.mean == pytest.approx(2.5 / 3)
    assert math.isinf(t_interval([1.0]).high)


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least one value"):
        t_interval([])
    with pytest.raises(ValueError, match="confidence must be in"):
        t_interval([1.0, 2.0], 1.5)
    with pytest.raises(ValueError, match="equal lengths"):
        paired_difference([1.0], [1.0, 2.0])


def test_bootstrap_matches_the_analytic_standard_error():
    """iid Bernoulli(0.7) cells e[s, i] on S × N. Resampling rows and columns independently, the grid mean's
    variance is the sum of a row part (σ²/N)/S, a column part (σ²/S)/N and an interaction part σ²/(S N):
    se² ≈ 3 σ²/(S N) (the two-way bootstrap is conservative for iid cells, exact in the presence of seed and
    image effects)."""
    from msda_theory.stats import bootstrap_difference

    g = np.random.default_rng(1)
    a = (g.random((20, 400)) < 0.7).astype(float)
    res = bootstrap_difference(a, np.zeros_like(a), n_boot=800, generator=np.random.default_rng(2))
    expected = math.sqrt(3 * 0.7 * 0.3 / a.size)
    assert res["se"] == pytest.approx(expected, rel=0.15)  # SE of an SE from 800 replicates: 1/sqrt(2·800) ≈ 2.5%
    assert res["p"] == 0.0 and res["mean"] == pytest.approx(a.mean())


def test_holm_matches_its_definition():
    from msda_theory.stats import holm

    out = holm({"a": 0.01, "b": 0.04, "c": 0.03})
    assert out["a"]["p_holm"] == pytest.approx(0.03)
    assert out["c"]["p_holm"] == pytest.approx(0.06) and out["b"]["p_holm"] == pytest.approx(0.06)
    assert out["a"]["significant"] and not out["b"]["significant"]


def test_minimum_detectable_effect_and_errors():
    from msda_theory.stats import bootstrap_difference, minimum_detectable_effect

    assert minimum_detectable_effect(1.0, comparisons=1) == pytest.approx(1.959964 + 0.841621, rel=1e-5)
    assert minimum_detectable_effect(1.0, comparisons=4) > minimum_detectable_effect(1.0, comparisons=1)
    with pytest.raises(ValueError, match="equal non-empty"):
        bootstrap_difference(np.zeros((2, 3)), np.zeros((3, 2)), generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_boot must be"):
        bootstrap_difference(np.zeros((2, 3)), np.zeros((2, 3)), n_boot=10, generator=np.random.default_rng(0))


def test_seeds_for_mde_from_seed_and_image_variance() -> None:
    """Constructed D = seed effect + image effect: σ_seed and V_img are read back, S follows the stated formula."""
    from scipy import stats as st

    from msda_theory.stats import seeds_for_mde

    seed_effect = np.array([0.0, 0.02, -0.02, 0.01])[:, None]
    image_effect = np.tile(np.array([0.0, 0.002, -0.002, 0.0]), 250)[None, :]  # N = 1000
    diff = seed_effect + image_effect
    out = seeds_for_mde(diff, np.zeros_like(diff), target=0.02, comparisons=1)
    assert out["sd_seed"] == pytest.approx(np.std([0.0, 0.02, -0.02, 0.01], ddof=1))
    v_img = np.var(image_effect[0], ddof=1) / 1000
    assert out["se_images"] == pytest.approx(np.sqrt(v_img))
    z = st.norm.ppf(0.975) + st.norm.ppf(0.8)
    assert out["seeds"] == np.ceil(out["sd_seed"] ** 2 / ((0.02 / z) ** 2 - v_img))
    noisy = np.tile(np.array([1.0, -1.0]), (3, 10))  # image SE 0.32 ≫ the SE a 2 pp MDE needs
    assert seeds_for_mde(noisy, np.zeros_like(noisy), target=0.02, comparisons=1)["seeds"] == float("inf")
    with pytest.raises(ValueError, match=r"target must be > 0, got 0"):
        seeds_for_mde(diff, diff, target=0, comparisons=1)
    with pytest.raises(ValueError, match=r"equal \(S, N\) arrays with S, N >= 2"):
        seeds_for_mde(diff[:1], diff[:1], target=0.02, comparisons=1)


def test_t_mde_tends_to_the_normal_mde_and_is_wider_for_few_seeds():
    from msda_theory.stats import minimum_detectable_effect, t_minimum_detectable_effect

    z = minimum_detectable_effect(0.01, comparisons=4)
    assert t_minimum_detectable_effect(0.01, 10**6, comparisons=4) == pytest.approx(z, rel=1e-4)
    assert t_minimum_detectable_effect(0.01, 3, comparisons=4) > 2 * z  # t with 2 degrees of freedom
    assert t_minimum_detectable_effect(0.01, 1) == math.inf
