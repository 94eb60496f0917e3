"""Confidence intervals over seeds: the Student t-interval and paired differences.

Every probe reports a mean over seeds with a 95% t-interval,

    mean ± t_{1 - (1 - conf)/2, n - 1} · s / √n,     s = sample standard deviation,

and a paired comparison (strategy − baseline, seed by seed) reads its verdict
from where that interval lies: above 0 'holds', below 0 'fails', across 0
'inconclusive' (theory.md section 8, the empirical claims).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    """A mean over n values with its two-sided t-interval [low, high]."""

    mean: float
    low: float
    high: float
    n: int
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0

    def verdict(self) -> str:
        """'holds' if the interval lies above 0, 'fails' if below, else 'inconclusive'."""
        if self.low > 0:
            return "holds"
        if self.high < 0:
            return "fails"
        return "inconclusive"

    def format(self, scale: float = 1.0, digits: int = 1, unit: str = "") -> str:
        """E.g. '+2.1 [0.4, 3.8]' (values times ``scale``)."""
        m, lo, hi = self.mean * scale, self.low * scale, self.high * scale
        return f"{m:+.{digits}f}{unit} [{lo:+.{digits}f}, {hi:+.{digits}f}]"

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def t_interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """mean ± t_{(1+conf)/2, n-1} · s/√n over ``values`` (n ≥ 1; n = 1 gives an infinite interval).

    Raises:
        ValueError: empty or non-finite values, or confidence outside (0, 1).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("t_interval needs at least one value")
    if not np.all(np.isfinite(v)):
        raise ValueError("t_interval needs finite values")
    mean = float(v.mean())
    if v.size == 1:
        return Interval(mean, -math.inf, math.inf, 1, confidence)
    half = float(stats.t.ppf(0.5 + confidence / 2.0, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return Interval(mean, mean - half, mean + half, int(v.size), confidence)


def paired_difference(treated: Sequence[float], baseline: Sequence[float], confidence: float = 0.95) -> Interval:
    """t-interval of treated[k] − baseline[k] over paired seeds k.

    Raises:
        ValueError: the two sequences differ in length.
    """
    a, b = np.asarray(treated, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired values must have equal lengths, got {a.size} and {b.size}")
    return t_interval(a - b, confidence)


def percentage_points(interval: dict[str, float]) -> str:
    """'+1.2 [-0.3, +2.7] pp' for an interval dict (mean, low, high) of proportions."""
    return f"{100 * interval['mean']:+.1f} [{100 * interval['low']:+.1f}, {100 * interval['high']:+.1f}] pp"
