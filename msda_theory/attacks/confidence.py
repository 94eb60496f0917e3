"""Confidence intervals for an accuracy measured on n test samples (docs/theory.md section 9, claims 9 and 12).

    p = k / n,  CI = the Wilson score interval of a binomial proportion,

computed by ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.
"""
from __future__ import annotations

from scipy.stats import binomtest


def wilson_interval(successes: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (lo, hi) for k = ``successes`` out of ``n``; 95% by default."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be >= 1, got {n!r}")
    if isinstance(successes, bool) or not isinstance(successes, int) or not 0 <= successes <= n:
        raise ValueError(f"successes must lie in 0..{n}, got {successes!r}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    ci = binomtest(successes, n).proportion_ci(confidence_level=level, method="wilson")
    return max(0.0, float(ci.low)), min(1.0, float(ci.high))
