"""Rows 8b, 9 and 9b: the scale-free first-layer statistic and the per-family combination of verdicts."""
from __future__ import annotations

import math
import random

import pytest

from msda_theory.checks.claim_08_first_layer import normalized_penalties, own_lowest_comparisons
from msda_theory.checks.trained_models import combine, comparison_verdicts, family_verdicts

FAMILIES = ("mixup", "cutmix", "hmix", "gmix")


def _units(penalty: dict[str, list[dict[str, float]]]) -> list[dict]:
    """Stored trained-model units carrying only what row 8b reads: strategy, seed and first-layer penalties."""
    return [{"strategy": s, "seed": k, "first_layer": {"penalty": p}} for s, ps in penalty.items()
            for k, p in enumerate(ps)]


def _own_lower(seeds: int, gap: float, scale: dict[str, float] | None = None) -> dict[str, list[dict[str, float]]]:
    """Penalties where model t's penalty under A_s is exp(−gap) times the others' when t = s (Mixup's column 1);
    ``scale`` multiplies every penalty of a model (a rescaled W: c² in every column)."""
    scale = scale or {}
    models = ("none", *FAMILIES)
    rng = random.Random(0)
    jitter = {t: [rng.uniform(-0.01, 0.01) for _ in range(seeds)] for t in models}  # seed-to-seed noise
    return {t: [{s: scale.get(t, 1.0) * (1.0 if s == "mixup" else math.exp((-gap if s == t else 0.0) + jitter[t][k]))
                 for s in FAMILIES} for k in range(seeds)] for t in models}


def test_a_rescaled_first_layer_leaves_the_statistic_unchanged():
    plain = own_lowest_comparisons(normalized_penalties(_units(_own_lower(8, 0.2))))
    scaled = own_lowest_comparisons(normalized_penalties(_units(_own_lower(8, 0.2, {"gmix": 0.3, "hmix": 5.0}))))
    for key in plain:
        assert scaled[key]["mean"] == pytest.approx(plain[key]["mean"], abs=1e-12)


def test_own_lower_by_a_fifth_of_a_log_unit_holds_and_equal_penalties_are_no_useful_effect():
    holds = own_lowest_comparisons(normalized_penalties(_units(_own_lower(8, 0.2))))
    assert len(holds) == 9  # columns cutmix, hmix, gmix × the three other MSDA models
    assert all(c["mean"] == pytest.approx(-0.2, abs=0.02) and c["verdict"] == "holds" for c in holds.values())
    flat = own_lowest_comparisons(normalized_penalties(_units(_own_lower(8, 0.0))))
    assert all(c["verdict"] == "no useful effect" for c in flat.values())


def test_per_family_and_row_combination():
    verdicts = {"mixup/linf": "inconclusive", "mixup/l2": "holds", "cutmix/linf": "fails", "cutmix/l2": "holds",
                "gmix/linf": "no useful effect", "gmix/l2": "no useful effect"}
    families = family_verdicts(verdicts)
    assert families == {"mixup": "holds", "cutmix": "fails", "gmix": "no useful effect"}
    assert combine(families.values(), any_holds=True) == "holds"  # one family improves: MSDA *can* improve
    assert combine(["fails", "inconclusive"], any_holds=True) == "fails"
    assert combine(["no useful effect", "no useful effect"], any_holds=True) == "no useful effect"
    assert combine(["no useful effect", "inconclusive"], any_holds=True) == "inconclusive"


def test_comparisons_are_judged_at_the_bonferroni_level():
    """Δ = 2.5 SE (two-sided p 0.0124) is significant alone but not at 0.05/8 = 0.00625; Δ = 3 SE (p 0.0027) is."""
    comps = {f"f{k}/linf": {"mean": 0.025, "se": 0.01} for k in range(8)}
    assert set(comparison_verdicts(comps, 0.001).values()) == {"inconclusive"}
    comps = {f"f{k}/linf": {"mean": 0.03, "se": 0.01} for k in range(8)}
    assert set(comparison_verdicts(comps, 0.001).values()) == {"holds"}
