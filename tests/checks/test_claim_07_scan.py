"""Claim 7's text on synthetic stored runs: t* from the scale scan, reported beside an unchanged verdict."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from msda_theory.checks.claim_07_training import holds_up_to, judge, tracks_along_training
from msda_theory.checks.registry import CheckContext

TS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0]


def scan(explained: list[float], se: float) -> dict[str, list[float]]:
    return {"t": TS, "explained": explained, "explained_se": [se] * len(TS), "excess": [1.0] * len(TS),
            "r_sum": explained, "remainder": [1 - e for e in explained], "remainder_se": [se] * len(TS)}


def run(family: str, last: float, t_scan: dict[str, list[float]]) -> dict[str, Any]:
    rows = [{"epoch": e, "explained": v, "explained_se": 0.01, "l_msda": 1.0, "l_std": 0.5, "r1": 0.1, "r2": 0.1,
             "r3": 0.0} for e, v in ((0, 1.0), (1, 0.6), (2, last))]
    return {"family": family, "alpha": 1.0, "data": "digits", "n_eval": 8, "n_masks": 2, "rows": rows,
            "alignment": {"cosine": 0.9, "cosine_se": 0.01, "groups": 4}, "t_scan": {"trained": t_scan}}


@dataclass(frozen=True)
class Stored(CheckContext):
    """A context whose 'tracking' result is the given runs (nothing computed, nothing stored)."""

    runs: tuple[dict[str, Any], ...] = ()

    def results(self, experiment: str) -> list[dict[str, Any]]:
        assert experiment == "tracking"
        return list(self.runs)


@pytest.mark.parametrize("explained, se, want", [
    ([0.99, 0.97, 0.91, 0.78, 0.65, 0.48, 0.40], 0.01, 0.2),    # 0.91 ± 0.0196 in the band, 0.78 below it
    ([0.99, 0.97, 0.91, 0.85, 0.65, 0.48, 0.40], 0.03, 0.2),    # 0.85 − 1.96 · 0.03 = 0.791 < 0.8
    ([0.99, 0.70, 0.95, 0.95, 0.95, 0.95, 0.95], 0.01, 0.05),   # stops at the first scale outside the band
    ([1.25, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0], 0.01, None),         # even the smallest t is outside
    ([1.0] * 7, 0.01, 1.0),
])
def test_t_star_is_the_largest_t_up_to_which_every_interval_is_in_the_band(explained: list[float], se: float,
                                                                            want: float | None) -> None:
    assert holds_up_to(scan(explained, se)) == want


def test_the_row_reports_t_star_per_family_and_keeps_the_judged_rule() -> None:
    runs = (run("mixup", 0.40, scan([0.99, 0.97, 0.91, 0.78, 0.65, 0.48, 0.40], 0.01)),
            run("cutmix", 0.45, scan([1.3, 1.0, 1.0, 1.0, 1.0, 1.0, 0.45], 0.01)))
    m = tracks_along_training(Stored(preset="evidence", runs=runs))
    assert m.verdict == judge(list(runs)) == "fails"  # last epoch 0.40 ± 0.02: outside [0.8, 1.2]
    assert "truncation holds for t ≤ t*: mixup t* = 0.2, cutmix t* < 0.05" in m.summary
    assert len(m.summary) <= 400
    assert "mixup: t = 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1 → 0.99, 0.97, 0.91, 0.78, 0.65, 0.48, 0.40" in m.value
    assert "explains the excess for t ≤ t* (mixup t* = 0.2, cutmix t* < 0.05)" in m.discussion
    inside = (run("mixup", 0.95, scan([1.0] * 6 + [0.95], 0.01)),)
    assert tracks_along_training(Stored(preset="evidence", runs=inside)).verdict == "holds"
