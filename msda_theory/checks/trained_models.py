"""What the rows on trained models (8b, 9, 9b, 12b) share: reading the stored ``trained-model`` units, the gates'
verdict, and the per-family effect rule with a smallest effect of interest.

Per-family rule (rows 9 and 9b, written before the evidence run that judges them): for each comparison
Δ = acc(MSDA) − acc(vanilla) with its bootstrap SE (seeds × test images), ``decisions.effect_verdict``
at the Bonferroni level α/m over the row's m comparisons with the smallest effect of interest δ:
'holds' (Δ > 0 and not within ±δ), 'fails' (Δ < 0 and not within ±δ), 'no useful effect' (within ±δ by
TOST), else 'inconclusive'. A family over its comparisons: 'fails' if one fails, else 'holds' if one holds,
else 'no useful effect' if all are, else 'inconclusive'. The row over its families: 'holds' if one family
holds ("MSDA *can* improve"), else 'fails' if one fails, else 'no useful effect' if all are, else
'inconclusive'.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np

from msda_theory.checks.registry import NOT_CONVERGED, CheckContext
from msda_theory.decisions import effect_verdict
from msda_theory.experiments.stored import decode

ALPHA = 0.05


def clean(units: list[dict[str, Any]]) -> np.ndarray:
    """(S, N) per seed and attacked test image: clean correctness."""
    return np.stack([decode(u["attacks"]["clean"]) for u in units])


def worst(units: list[dict[str, Any]], norm: str, index: int) -> np.ndarray:
    """(S, N) per seed and image: correct under the worst attack at the ε of ``index``."""
    return np.stack([decode(u["attacks"][norm]["worst"][index]) for u in units])


def verdict_with_gates(ctx: CheckContext, gates: dict[str, Any], sanity: list[str], verdict: str) -> str:
    """'smoke' at small presets, 'inconclusive (not converged)' if a gate fails, 'inconclusive' if a sanity check
    fails, else ``verdict``."""
    if ctx.quick:
        return "smoke"
    if not gates["passed"]:
        return NOT_CONVERGED
    return "inconclusive" if sanity else verdict


def scale_text(units: list[dict[str, Any]], quick: bool) -> str:
    """'fashion-mnist (1000-image training subsets, 60 epochs), 8 seeds on 8 subsets, 10000 attacked test images'."""
    u = units[0]
    seeds = len({v["seed"] for v in units})
    subsets = len({v["config_train"].get("data_seed", 0) for v in units})
    text = (f"{u['data']} ({u['n_train']}-image training subset{'s' if subsets > 1 else ''}, "
            f"{len(u['curve']['train_loss'])} epochs), {seeds} seeds on {subsets} subset{'s' if subsets > 1 else ''}, "
            f"{u['n_eval']} attacked test images")
    return f"smoke: {text}" if quick else text


def comparison_verdicts(comparisons: dict[str, dict[str, Any]], margin: float) -> dict[str, str]:
    """``effect_verdict`` of every bootstrap comparison at the Bonferroni level α/m, margin δ."""
    level = ALPHA / len(comparisons)
    return {k: effect_verdict(c["mean"], c["se"], margin, alpha=level) if c["se"] > 0 else "inconclusive"
            for k, c in comparisons.items()}


def combine(verdicts: Iterable[str], *, any_holds: bool) -> str:
    """Several verdicts as one: 'fails' first for a family (any_holds=False), 'holds' first for the row."""
    v = list(verdicts)
    order = ("holds", "fails") if any_holds else ("fails", "holds")
    for name in order:
        if name in v:
            return name
    return "no useful effect" if v and all(x == "no useful effect" for x in v) else "inconclusive"


def family_verdicts(verdicts: dict[str, str]) -> dict[str, str]:
    """Per family (key 'family/norm' or 'family'), the combination of its comparisons' verdicts."""
    families: dict[str, list[str]] = {}
    for key, v in verdicts.items():
        families.setdefault(key.split("/")[0], []).append(v)
    return {f: combine(vs, any_holds=False) for f, vs in families.items()}


__all__ = ["ALPHA", "clean", "combine", "comparison_verdicts", "family_verdicts", "scale_text", "verdict_with_gates",
           "worst"]
