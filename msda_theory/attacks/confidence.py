"""Confidence intervals for an accuracy measured on n test samples.

    p = k / n,  c = (p + z^2 / 2n) / (1 + z^2 / n),
    h = z / (1 + z^2 / n) * sqrt(p (1 - p) / n + z^2 / 4n^2),   CI = [c - h, c + h]

the Wilson score interval for a binomial proportion (theory.md section 9,
claims 9 and 12: accuracies are compared with confidence intervals).
"""
from __future__ import annotations

import math

Z95 = 1.959963984540054  # standard normal 0.975 quantile


def wilson_interval(successes: int, n: int, *, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval (lo, hi) for k = ``successes`` out of ``n``; 95% by default."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must lie in 0..{n}, got {successes}")
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
