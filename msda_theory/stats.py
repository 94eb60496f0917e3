"""Confidence intervals over seeds: the Student t-interval and paired differences.

Every probe reports a mean over seeds with a 95% t-interval,

    mean ± t_{1 - (1 - conf)/2, n - 1} · s / √n,     s = sample standard deviation,

and a paired comparison (strategy − baseline, seed by seed) reads its verdict
from where that interval lies: above 0 'holds', below 0 'fails', across 0
'inconclusive' (docs/theory.md section 8, the empirical claims).
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


def bootstrap_difference(treated: np.ndarray, baseline: np.ndarray, *, n_boot: int = 2000,
                         generator: np.random.Generator) -> dict[str, float]:
    """Mean of treated − baseline over seeds × test images, with a two-level bootstrap.

    ``treated`` and ``baseline`` are (S, N): seed s, test image i (the same images and seeds in
    both, so the difference is paired). Each replicate resamples S seeds and N images with
    replacement, so the spread includes seed variance and test-sample variance:

        Δ* = mean_{s ∈ S*, i ∈ N*} (treated − baseline)[s, i],   se = std(Δ*),
        p = min(1, 2 · min(P(Δ* ≤ 0), P(Δ* ≥ 0)))   (two-sided bootstrap p-value).

    For cells without seed or image effects this over-estimates the variance (≈ 3σ²/(S N) instead of
    σ²/(S N)): conservative.

    Raises:
        ValueError: shapes differ or are not 2-D, or n_boot < 100.
    """
    a, b = np.asarray(treated, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.size == 0:
        raise ValueError(f"treated and baseline must be equal non-empty (S, N) arrays, got {a.shape} and {b.shape}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 100:
        raise ValueError(f"n_boot must be an integer >= 100, got {n_boot!r}")
    diff = a - b
    s, n = diff.shape
    rows = generator.integers(0, s, size=(n_boot, s))
    cols = generator.integers(0, n, size=(n_boot, n))
    per_seed = np.stack([diff[rows[k]][:, cols[k]].mean() for k in range(n_boot)])
    p = min(1.0, 2.0 * min(float((per_seed <= 0).mean()), float((per_seed >= 0).mean())))
    return {"mean": float(diff.mean()), "se": float(per_seed.std(ddof=1)), "p": p, "seeds": s, "images": n}


def holm(p_values: dict[str, float], alpha: float = 0.05) -> dict[str, dict[str, float | bool]]:
    """Holm's step-down correction: adjusted p_(k) = max_{j ≤ k} min(1, (m − j + 1) p_(j)); reject if < alpha."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    order = sorted(p_values, key=p_values.get)
    m, running, out = len(order), 0.0, {}
    for k, name in enumerate(order):
        running = max(running, min(1.0, (m - k) * p_values[name]))
        out[name] = {"p": p_values[name], "p_holm": running, "significant": running < alpha}
    return out


def minimum_detectable_effect(se: float, *, comparisons: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """MDE = (z_{1 − α/(2m)} + z_{power}) · se: the effect a two-sided test at the Bonferroni level
    α/m (Holm's most stringent step) detects with the given power."""
    if comparisons < 1:
        raise ValueError(f"comparisons must be >= 1, got {comparisons!r}")
    return float((stats.norm.ppf(1 - alpha / (2 * comparisons)) + stats.norm.ppf(power)) * se)


def t_minimum_detectable_effect(se: float, n: int, *, comparisons: int = 1, alpha: float = 0.05,
                                power: float = 0.8) -> float:
    """MDE = (t_{1 − α/(2m), n−1} + t_{power, n−1}) · se: ``minimum_detectable_effect`` for a t-test over n
    seeds (few seeds: t instead of normal quantiles); inf for n < 2."""
    if comparisons < 1:
        raise ValueError(f"comparisons must be >= 1, got {comparisons!r}")
    if n < 2:
        return math.inf
    return float((stats.t.ppf(1 - alpha / (2 * comparisons), n - 1) + stats.t.ppf(power, n - 1)) * se)


def seeds_for_mde(treated: np.ndarray, baseline: np.ndarray, *, target: float, comparisons: int,
                  alpha: float = 0.05, power: float = 0.8) -> dict[str, float]:
    """Seeds S that make the MDE of mean(treated − baseline) equal ``target``, from the measured variance.

    With D = treated − baseline (S0, N) (seeds × the same test images), the variance of the mean over
    S seeds and the N images is modelled as  se²(S) = σ²_seed / S + V_img,  where σ_seed is the SD over
    seeds of the per-seed mean Δ (it includes each model's own image noise) and V_img = var_i(mean_s D)/N
    the test-sample part, which more seeds do not shrink. MDE = (z_{1 − α/(2m)} + z_power) · se, so

        S = ⌈σ²_seed / ((target / (z_{1 − α/(2m)} + z_power))² − V_img)⌉,   inf if V_img alone exceeds it.

    Raises:
        ValueError: shapes differ or are not 2-D with at least 2 seeds, or target ≤ 0.
    """
    a, b = np.asarray(treated, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] < 2 or a.shape[1] < 2:
        raise ValueError(f"treated and baseline must be equal (S, N) arrays with S, N >= 2, got {a.shape} and {b.shape}")
    if not target > 0:
        raise ValueError(f"target must be > 0, got {target!r}")
    diff = a - b
    sd_seed = float(diff.mean(1).std(ddof=1))
    v_img = float(diff.mean(0).var(ddof=1) / diff.shape[1])
    room = (target / (stats.norm.ppf(1 - alpha / (2 * comparisons)) + stats.norm.ppf(power))) ** 2 - v_img
    seeds = math.inf if room <= 0 else float(max(2, math.ceil(sd_seed ** 2 / room)))
    return {"sd_seed": sd_seed, "se_images": math.sqrt(v_img), "seeds": seeds, "target": target,
            "se_needed": target / float(stats.norm.ppf(1 - alpha / (2 * comparisons)) + stats.norm.ppf(power))}


def compare(pairs: dict[str, tuple[np.ndarray, np.ndarray]], *, n_boot: int, generator: np.random.Generator,
            alpha: float = 0.05) -> dict[str, dict[str, float | bool]]:
    """Bootstrap every (treated, baseline) pair, Holm across them; per pair mean, se, p, p_holm,
    significant, a Bonferroni-level interval (mean ± z_{1 − α/(2m)} se) and the MDE."""
    boots = {k: bootstrap_difference(t, b, n_boot=n_boot, generator=generator) for k, (t, b) in pairs.items()}
    adjusted = holm({k: v["p"] for k, v in boots.items()}, alpha)
    z = float(stats.norm.ppf(1 - alpha / (2 * len(pairs))))
    return {k: {**v, **adjusted[k], "low": v["mean"] - z * v["se"], "high": v["mean"] + z * v["se"],
                "mde": minimum_detectable_effect(v["se"], comparisons=len(pairs), alpha=alpha)}
            for k, v in boots.items()}


def effect_text(c: dict[str, float], scale: float = 100.0, unit: str = " pp") -> str:
    """'+1.2 [-0.3, +2.7] pp (p_Holm 0.04, MDE 1.9 pp)' for one entry of ``compare``."""
    return (f"{scale * c['mean']:+.1f} [{scale * c['low']:+.1f}, {scale * c['high']:+.1f}]{unit} "
            f"(p_Holm {c['p_holm']:.3f}, MDE {scale * c['mde']:.1f}{unit})")
