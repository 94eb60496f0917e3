"""Claim 10's subset rule on hand-built stored results: holds, fails, undecidable by design (no training)."""
from __future__ import annotations

from typing import Any

import pytest

from msda_theory.checks.claim_10_adversarial_bound import (MIN_MODELS, VACUOUS, claim_10, qualifies, subset_counts,
                                                           subset_verdict)
from msda_theory.checks.ledger import run_checks, select
from msda_theory.checks.registry import UNDECIDABLE, CheckContext
from msda_theory.data import available
from msda_theory.experiments import presets
from msda_theory.results import ResultStore


def _model(margin: float, *, correct: float = 1.0, relative_eps: float = 0.05) -> dict[str, float]:
    """A stored model: median‖x‖ = 10, ε_Z = relative_eps · 10, the given exact margin and correct share."""
    return {"margin_exact": margin, "correct_share": correct, "eps": relative_eps * 10.0, "median_norm": 10.0}


def _subsets(*models: dict[str, float]) -> dict[str, Any]:
    return {"1-8": {"sizes": [50], "draws": 1, "epochs": 5, "models": list(models)}}


POSITIVE = [_model(0.01 * (k + 1)) for k in range(MIN_MODELS)]


class _Stored:
    """A stand-in for CheckContext: ``results('bound')`` returns one stored unit."""

    quick = False

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def results(self, experiment: str) -> list[dict[str, Any]]:
        assert experiment == "bound"
        return [self.data]


FULL = {"2-4": {"n_train": 100, "terms": {"mixup": [{"margin_exact": 0.1, "eps": 1e-6, "median_norm": 10.0,
                                                      "eps_equal": 0.05, "correct_share": 0.9}]}}}


def test_qualifying_needs_every_point_correct_and_a_non_vacuous_radius() -> None:
    assert qualifies(_model(0.1, relative_eps=VACUOUS))
    assert not qualifies(_model(0.1, relative_eps=VACUOUS * 0.99))
    assert not qualifies(_model(0.1, correct=0.995))


def test_enough_qualifying_models_with_positive_margins_hold() -> None:
    assert subset_verdict(_subsets(*POSITIVE)) == "holds"


def test_a_negative_margin_at_a_qualifying_model_fails_even_alone() -> None:
    assert subset_verdict(_subsets(*POSITIVE, _model(-1e-4))) == "fails"
    assert subset_verdict(_subsets(_model(-1e-4))) == "fails"


def test_negative_margins_outside_the_hypotheses_do_not_count() -> None:
    outside = [_model(-0.5, correct=0.99), _model(-0.5, relative_eps=VACUOUS / 2)]
    assert subset_verdict(_subsets(*POSITIVE, *outside)) == "holds"
    assert subset_verdict(_subsets(*POSITIVE[:-1], *outside)) == UNDECIDABLE


def test_too_few_or_no_qualifying_models_are_undecidable_by_design() -> None:
    assert subset_verdict(_subsets(*POSITIVE[: MIN_MODELS - 1])) == UNDECIDABLE
    assert subset_verdict(_subsets(*[_model(0.1, relative_eps=1e-5) for _ in range(2 * MIN_MODELS)])) == UNDECIDABLE
    assert subset_verdict({}) == UNDECIDABLE


def test_counts_are_per_pair() -> None:
    subsets = {**_subsets(*POSITIVE[:3], _model(0.2, correct=0.9)),
               "0-7": {"sizes": [50], "draws": 1, "epochs": 5, "models": [_model(0.3, relative_eps=1e-4)]}}
    counts = subset_counts(subsets)
    assert (counts["1-8"]["models"], counts["1-8"]["correct"], counts["1-8"]["qualifying"]) == (4, 3, 3)
    assert (counts["0-7"]["correct"], counts["0-7"]["non_vacuous"], counts["0-7"]["qualifying"]) == (1, 0, 0)
    assert counts["1-8"]["margins"] == [m["margin_exact"] for m in POSITIVE[:3]]


@pytest.mark.parametrize("subsets, verdict", [(_subsets(*POSITIVE), "holds"),
                                              (_subsets(*POSITIVE, _model(-0.01)), "fails"),
                                              (_subsets(_model(0.1, correct=0.5)), UNDECIDABLE)])
def test_the_check_reads_the_subset_rule_and_keeps_full_pairs_as_details(subsets, verdict) -> None:
    out = claim_10(_Stored({"pairs": FULL, "subsets": subsets}))
    assert out.verdict == verdict
    assert "Pullover vs Coat full" in out.value and "2-4" in out.details["pairs"]
    assert len(out.summary) <= 400
    if verdict == UNDECIDABLE:
        assert "0 qualifying models" in out.value


def test_a_result_stored_without_subsets_is_undecidable() -> None:
    out = claim_10(_Stored({"pairs": FULL}))
    assert out.verdict == UNDECIDABLE and "no subset results stored" in out.summary


@pytest.mark.fashion_mnist
@pytest.mark.skipif(not available("fashion-mnist"), reason="needs Fashion-MNIST")
def test_the_tiny_preset_runs_and_stores_the_subsets(tmp_path) -> None:
    ctx = CheckContext(preset="tiny", store=ResultStore(tmp_path / "results"))
    outcome = run_checks(select(["10"]), ctx, progress=False)[0]
    config = presets.bound("tiny")["subsets"]
    stored = ctx.results("bound")[0]["subsets"]
    assert set(stored) == {f"{a}-{b}" for a, b in config["pairs"]}
    per_pair = len(config["sizes"]) * config["draws"] * 5  # five strategies, vanilla included
    assert all(len(res["models"]) == per_pair for res in stored.values())
    assert outcome.measurement is not None and outcome.measurement.verdict == subset_verdict(stored)
    assert outcome.measurement.value.startswith("smoke: ")
