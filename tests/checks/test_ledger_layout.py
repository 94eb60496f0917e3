"""The ledger's layout: one scannable line per claim in the table (no cell over 400 characters), the rows that do
not hold named above it, and the method, full measurement and discussion in a section per claim below."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
import torch

from msda_theory import experiments
from msda_theory.checks.evidence import COMMITTED_RESULTS, open_results
from msda_theory.checks.ledger import CELL_MAX, NOT_HOLDING, Outcome, render, run_checks, select, table_measurement
from msda_theory.checks.registry import CheckContext, Measurement, all_checks
from msda_theory.data import available

ROOT = Path(__file__).resolve().parents[2]


def table_rows(text: str) -> list[list[str]]:
    """The cells of every table row, split at the '|' that Markdown reads (not the escaped '\\|')."""
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| # ")]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in rows]


@pytest.fixture(scope="module")
def committed_ledger() -> tuple[str, list[Outcome]]:
    """The ledger of every row at the evidence preset, read from the committed store (computing anything fails
    the test)."""
    return ledger_of_committed_results()


def ledger_of_committed_results() -> tuple[str, list[Outcome]]:
    """``committed_ledger``'s computation (a test that registers something calls it again)."""
    assert COMMITTED_RESULTS == ROOT / "results"
    saved = dict(experiments.EXPERIMENTS)

    def refuse(config: dict, seed: int) -> dict:
        raise AssertionError("the committed results store lacks a result: it would be recomputed")

    for name, exp in saved.items():
        experiments.EXPERIMENTS[name] = dataclasses.replace(exp, compute=refuse)
    try:
        store = open_results(None)
        rows = [c.id for c in all_checks()]
        outcomes = run_checks(select(rows), CheckContext(preset="evidence", store=store), progress=False)
    finally:
        experiments.EXPERIMENTS.update(saved)
    return render(outcomes, CheckContext(preset="evidence", store=store)), outcomes


@pytest.mark.fashion_mnist
def test_no_table_cell_of_the_committed_evidence_exceeds_400_characters(committed_ledger) -> None:
    text, outcomes = committed_ledger
    assert all(o.measurement is not None for o in outcomes), [o.error for o in outcomes]
    rows = {row[0]: row for row in table_rows(text)}
    assert sorted(rows) == sorted(o.check.id for o in outcomes)
    for row in rows.values():
        assert len(row) == 7
        assert max(len(cell) for cell in row) <= CELL_MAX, (row[0], max(row, key=len))
    for o in outcomes:
        row = rows[o.check.id]
        assert row[4] == f"**{o.measurement.verdict}**"
        if o.measurement.verdict != "skipped":
            assert o.measurement.summary and row[3] == table_measurement(o).replace("|", "\\|")


@pytest.mark.fashion_mnist
def test_each_claim_has_a_section_and_the_rows_that_do_not_hold_are_named(committed_ledger) -> None:
    text, outcomes = committed_ledger
    table, details = text.split("## Discussion")
    for o in outcomes:
        m = o.measurement
        section = details.split(f"### Claim {o.check.id}: {m.verdict}\n")[1].split("### Claim")[0]
        if m.method:
            assert f"- **Method.** {' '.join(m.method.split())}" in section
        assert f"- **Measured.** {' '.join(m.value.split())}" in section
    for verdict in NOT_HOLDING:
        named = [o.check.id for o in outcomes if o.measurement.verdict == verdict]
        line = next((x for x in table.splitlines() if x.startswith(f"**{verdict.capitalize()}:**")), None)
        assert (line is None) == (not named)
        if named:
            assert line == f"**{verdict.capitalize()}:** " + ", ".join(f"claim {i}" for i in named)


def test_a_long_measurement_without_summary_is_cut_in_the_table_and_whole_below() -> None:
    check = select(["4"])[0]
    value = "x | y " * 200
    outcomes = [Outcome(check, Measurement(value=value, verdict="fails", method="m"), "", 0.1),
                Outcome(select(["3"])[0], None, "RuntimeError: " + "boom " * 200, 0.2)]
    text = render(outcomes, CheckContext(preset="tiny"))
    rows = {row[0]: row for row in table_rows(text)}
    assert all(len(cell) <= CELL_MAX for row in rows.values() for cell in row)
    assert rows["4"][3].endswith("… (in full below)") and rows["3"][3].startswith("crashed: RuntimeError: boom")
    assert f"- **Measured.** {' '.join(value.split())}" in text
    assert "**Fails:** claim 4" in text and "**Crashed:** claim 3" in text and "### Claim 3: crashed" in text


def test_the_committed_ledger_has_no_cell_over_400_characters() -> None:
    rows = table_rows((ROOT / "paper_checks.md").read_text())
    assert len(rows) >= 17
    assert all(len(cell) <= CELL_MAX for row in rows for cell in row), max((c for r in rows for c in r), key=len)


@pytest.mark.fashion_mnist
def test_registering_an_iterative_attack_and_a_family_leaves_the_committed_rows_unchanged(committed_ledger) -> None:
    """The presets pin their family and attack lists (they enter the store keys): a registered attack or family
    changes no row and makes nothing be recomputed (``refuse`` would fail the test)."""
    from msda_theory import masks
    from msda_theory.attacks import ATTACKS, Attack
    from msda_theory.attacks.fgsm import AttackRun

    ATTACKS["nothing"] = Attack(lambda model, x, y, eps, s: AttackRun(x.clone(), torch.zeros(len(x), dtype=torch.bool)),
                                iterative=True)
    masks.register("mixup-copy", masks.Mixup, defaults={"alpha": 1.0})
    try:
        text, outcomes = ledger_of_committed_results()
    finally:
        del ATTACKS["nothing"]
        masks.unregister("mixup-copy")
    assert all(o.measurement is not None for o in outcomes), [o.error for o in outcomes]
    assert [row[:-1] for row in table_rows(text)] == [row[:-1] for row in table_rows(committed_ledger[0])]  # runtime aside


@pytest.mark.parametrize("revised, on_these, stale, marked", [
    (True, False, (), False), (True, False, ("0ldc0de",), True), (True, True, (), True), (False, True, (), False)])
def test_the_table_marks_a_rule_revised_after_the_results_it_judges(revised, on_these, stale, marked) -> None:
    check = all_checks()[0]
    m = Measurement(value="v", verdict="holds", method="m", summary="s", revised=revised, revised_on_these=on_these)
    text = table_measurement(Outcome(check, m, "", 0.0, stale=stale))
    assert text.startswith("rule revised after these results were seen") == marked and text.endswith("s")


@pytest.mark.fashion_mnist
@pytest.mark.skipif(not available("fashion-mnist"), reason="needs Fashion-MNIST (the rows read 'skipped' without it)")
def test_the_committed_trained_model_rows_say_their_gate_was_revised_on_these_results(committed_ledger) -> None:
    rows = {row[0]: row for row in table_rows(committed_ledger[0])}
    for cid in ("8b", "9", "9b", "12b"):
        assert rows[cid][3].startswith("rule revised after these results were seen"), cid
