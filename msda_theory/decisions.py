"""Statistical decisions behind the ledger's verdicts: calibrated thresholds, equivalence and interaction tests.

Three tools, each a formula with a stated error rate:

- ``bonferroni_z(n, family_alpha)``: the |z| threshold z* = Φ⁻¹(1 − α/(2N)) that N two-sided
  tests exceed with probability at most α together (Bonferroni; exact for independent entries
  only in the limit, conservative under correlation);
- ``tost`` and ``effect_verdict``: a difference with its standard error judged against 0 and
  against a smallest effect of interest δ (two one-sided tests, Schuirmann 1987), so that
  "no useful effect" is a decision, not the absence of one;
- ``interaction``: whether a paired difference changes between two conditions (a difference of
  differences with Welch's standard error and degrees of freedom).

The verdict rules that use them (which margin, which α) live in ``checks/``.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
from scipy import stats

VERDICTS = ("holds", "fails", "no useful effect", "inconclusive")


def bonferroni_z(n_tests: int, family_alpha: float = 0.01) -> float:
    """z* = Φ⁻¹(1 − α / (2 N)): P(max_k |Z_k| > z*) ≤ α for N standard normal Z_k, whatever their correlation.

    Raises:
        ValueError: n_tests < 1 or family_alpha outside (0, 1).
    """
    if isinstance(n_tests, bool) or not isinstance(n_tests, int) or n_tests < 1:
        raise ValueError(f"n_tests must be a positive integer, got {n_tests!r}")
    if not 0.0 < family_alpha < 1.0:
        raise ValueError(f"family_alpha must be in (0, 1), got {family_alpha!r}")
    return float(stats.norm.isf(family_alpha / (2 * n_tests)))


def _check_estimate(mean: float, se: float, df: float | None) -> None:
    if not math.isfinite(mean):
        raise ValueError(f"mean must be finite, got {mean!r}")
    if not (math.isfinite(se) and se > 0):
        raise ValueError(f"se must be finite and > 0, got {se!r}")
    if df is not None and not df > 0:
        raise ValueError(f"df must be > 0 or None (normal), got {df!r}")


def _sf(z: float, df: float | None) -> float:
    """P(T > z): Student t with ``df`` degrees of freedom, or the standard normal for df None."""
    return float(stats.norm.sf(z) if df is None else stats.t.sf(z, df))


@dataclass(frozen=True)
class Tost:
    """Two one-sided tests of |Δ| < δ: p_lower for H0 Δ ≤ −δ, p_upper for H0 Δ ≥ δ; p = max of the two."""

    p_lower: float
    p_upper: float
    p: float
    margin: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def tost(mean: float, se: float, margin: float, *, df: float | None = None) -> Tost:
    """Equivalence of an estimate Δ ~ mean ± se to 0 within ±margin (TOST):

        p_lower = P(T > (mean + δ)/se),   p_upper = P(T < (mean − δ)/se),   p = max(p_lower, p_upper),

    T standard normal (df None) or Student t with df degrees of freedom; equivalence at level α when p < α.

    Raises:
        ValueError: non-finite mean, se ≤ 0, margin ≤ 0 or df ≤ 0.
    """
    _check_estimate(mean, se, df)
    if not (math.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be finite and > 0, got {margin!r}")
    p_lower = _sf((mean + margin) / se, df)
    p_upper = _sf((margin - mean) / se, df)
    return Tost(p_lower, p_upper, max(p_lower, p_upper), margin)


def two_sided_p(mean: float, se: float, *, df: float | None = None) -> float:
    """p = 2 P(T > |mean| / se) of H0 Δ = 0 (normal for df None, else Student t)."""
    _check_estimate(mean, se, df)
    return min(1.0, 2.0 * _sf(abs(mean) / se, df))


def effect_verdict(mean: float, se: float, margin: float, *, alpha: float = 0.05, df: float | None = None) -> str:
    """Four-way verdict on Δ ~ mean ± se with smallest effect of interest δ = margin, each test at level α:

    - 'holds': Δ > 0 significantly (two-sided p < α) and not equivalent to 0 within ±δ (TOST p ≥ α);
    - 'fails': Δ < 0 significantly and not equivalent within ±δ;
    - 'no useful effect': equivalent within ±δ (TOST p < α), significant or not (an effect smaller than δ);
    - 'inconclusive': neither.

    The false-alarm rate of 'holds' (or 'fails') under Δ = 0 is at most α/2; that of 'no useful effect'
    under |Δ| = δ is at most α.
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if tost(mean, se, margin, df=df).p < alpha:
        return "no useful effect"
    if two_sided_p(mean, se, df=df) < alpha:
        return "holds" if mean > 0 else "fails"
    return "inconclusive"


@dataclass(frozen=True)
class Interaction:
    """Difference of two mean differences, d1 − d2, with Welch's SE and degrees of freedom and a two-sided p."""

    estimate: float
    se: float
    df: float
    p: float
    n1: int
    n2: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def interaction(first: Sequence[float], second: Sequence[float]) -> Interaction:
    """Welch's test of mean(first) = mean(second), where each entry is a per-seed paired difference:

        estimate = m1 − m2,   se² = s1²/n1 + s2²/n2,
        df = se⁴ / ((s1²/n1)²/(n1 − 1) + (s2²/n2)²/(n2 − 1)),   p = 2 P(T_df > |estimate|/se).

    With first = acc(A) − acc(B) on task 1 and second the same on task 2, the estimate is the
    task × strategy interaction: non-zero when the order of A and B depends on the task.

    Raises:
        ValueError: fewer than 2 finite values in either sample, or both samples without spread.
    """
    a, b = (np.asarray(v, dtype=np.float64).ravel() for v in (first, second))
    if a.size < 2 or b.size < 2 or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError(f"interaction needs at least 2 finite values per sample, got {a.size} and {b.size}")
    v1, v2 = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    if v1 + v2 == 0:
        raise ValueError("interaction needs spread in at least one sample (both have zero variance)")
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (a.size - 1) + v2 ** 2 / (b.size - 1))
    estimate = float(a.mean() - b.mean())
    return Interaction(estimate, se, float(df), min(1.0, 2.0 * _sf(abs(estimate) / se, df)), int(a.size), int(b.size))


__all__ = ["Interaction", "Tost", "VERDICTS", "bonferroni_z", "effect_verdict", "interaction", "tost", "two_sided_p"]
