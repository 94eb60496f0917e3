"""The t-interval helper against scipy."""
import math

import numpy as np
import pytest
from scipy import stats

from msda_theory.probes.stats import paired_difference, t_interval


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
