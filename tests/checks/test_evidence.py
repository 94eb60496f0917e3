"""The committed results store as notebooks open it (read through, never written) and the measured-against-predicted
lines, which are the ledger's own check run on that store."""
from __future__ import annotations

from pathlib import Path

import pytest

from msda_theory.checks.evidence import (COMMITTED_RESULTS, ReadThroughStore, measured_against_predicted, open_results,
                                         scratch_folder)
from msda_theory.checks.ledger import run_checks, select, table_measurement
from msda_theory.checks.registry import CheckContext
from msda_theory.experiments import EXPERIMENTS

ROOT = Path(__file__).resolve().parents[2]


def committed_files() -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in COMMITTED_RESULTS.rglob("*")}


def test_the_store_reads_the_committed_results_and_writes_elsewhere(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSDA_NOTEBOOK_OUT", str(tmp_path))
    before = committed_files()
    store = open_results(None)
    assert isinstance(store, ReadThroughStore) and COMMITTED_RESULTS == ROOT / "results"
    (seed, config), = EXPERIMENTS["taylor"].units("evidence")

    def never() -> dict:
        raise AssertionError("a committed result was recomputed")

    stored = store.fetch("taylor", "evidence", seed, config, never)
    assert stored.reused and len(stored.data["rows"]) == 8  # 2 losses × 4 paper families
    made = store.fetch("task", "tiny", 7, {"n": 1}, lambda: {"x": 1})
    assert made.data == {"x": 1} and (tmp_path / "results" / "task" / "tiny").is_dir()
    assert store.fetch("task", "tiny", 7, {"n": 1}, never).data == {"x": 1}  # reused from the scratch folder
    assert committed_files() == before


def test_an_explicit_folder_is_the_store(tmp_path: Path) -> None:
    store = open_results(tmp_path / "mine")
    assert not isinstance(store, ReadThroughStore) and store.root == tmp_path / "mine"


def test_the_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSDA_NOTEBOOK_OUT", str(tmp_path))
    assert scratch_folder() == tmp_path / "results"
    monkeypatch.delenv("MSDA_NOTEBOOK_OUT")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert scratch_folder().parent == tmp_path and scratch_folder().name.startswith("msda-theory-results-")
    assert not scratch_folder().exists()  # created only when something is computed


def test_measured_against_predicted_is_the_ledger_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MSDA_NOTEBOOK_OUT", str(tmp_path))
    store = open_results(None)
    outcome = run_checks(select(["5"]), CheckContext(preset="evidence", store=store), progress=False)[0]
    lines = measured_against_predicted(["5"], "evidence", store)
    assert lines == [f"claim 5 predicted: {outcome.check.claim}\n    measured: {table_measurement(outcome)}\n"
                     f"    verdict: {outcome.measurement.verdict}"]
    assert not list(tmp_path.rglob("*.json"))  # row 5 at evidence read only committed results
    tiny = measured_against_predicted(["3"], "tiny", store)  # the tiny profiles are computed into the scratch folder
    assert tiny[0].startswith("preset 'tiny': small sizes that show the workflow, not evidence")
    assert tiny[1].endswith("verdict: holds")
