"""The claims ledger: ``check --only`` replaces its rows in place and keeps the others, the header names the
commits and code fingerprints of the stored results used, and ``--no-recompute`` labels stale results."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from msda_theory.checks.ledger_file import cells
from msda_theory.checks.registry import all_checks
from msda_theory.cli import main

ROOT = Path(__file__).parents[2]


def _rows(text: str) -> dict[str, str]:
    table = text.split("## Discussion")[0].splitlines()
    return {cells(line)[0]: line for line in table if line.startswith("| ") and not line.startswith("| # |")}


def _blocks(text: str) -> dict[str, str]:
    parts = text.split("\n### Claim ")[1:]
    return {p.split(":")[0]: p.strip() for p in parts}


def test_check_full_only_4_keeps_the_other_rows_of_the_committed_ledger(tmp_path) -> None:
    ledger = tmp_path / "paper_checks.md"
    shutil.copy(ROOT / "paper_checks.md", ledger)
    before = ledger.read_text()
    assert main(["--quiet", "check", "--full", "--only", "4", "--out", str(ledger), "--results",
                 str(tmp_path / "results"), "--figures-dir", str(tmp_path / "figures")]) == 0
    after = ledger.read_text()
    old, new = _rows(before), _rows(after)
    assert list(new) == list(old) and len(old) == len(all_checks())  # every row, in the same order
    assert {k: v for k, v in new.items() if k != "4"} == {k: v for k, v in old.items() if k != "4"}
    assert cells(new["4"])[4] == "**holds**" and new["4"] != old["4"]  # rechecked now (another runtime, remainder)
    assert _blocks(after) == _blocks(before)
    assert len(after.splitlines()) >= len(before.splitlines())
    assert "- this run rechecked claim(s) 4 (`--only`); the other rows are kept from the previous ledger (date: " \
        in after
    counts = before.split("**Summary:** ")[1].split(f", of {len(all_checks())} checks")[0]
    assert counts in after  # the same verdict counts


def test_only_into_a_ledger_of_another_preset_or_a_non_ledger_is_refused_before_any_work(tmp_path, capsys) -> None:
    ledger = tmp_path / "ledger.md"
    shutil.copy(ROOT / "paper_checks.md", ledger)
    before = ledger.read_text()
    common = ["--results", str(tmp_path / "results"), "--figures-dir", str(tmp_path / "figures")]
    assert main(["--quiet", "check", "--preset", "tiny", "--only", "4", "--out", str(ledger), *common]) == 2
    assert "is a ledger of preset evidence, seed 0; --only with preset tiny, seed 0 would mix two runs" \
        in capsys.readouterr().err
    other = tmp_path / "notes.md"
    other.write_text("my notes\n")
    assert main(["--quiet", "check", "--preset", "tiny", "--only", "4", "--out", str(other), *common]) == 2
    assert "exists but is not a claims ledger" in capsys.readouterr().err
    assert ledger.read_text() == before and other.read_text() == "my notes\n"
    assert not (tmp_path / "results").exists()


def older_cost_result(tmp_path: Path) -> dict:
    """The committed cost result copied into ``tmp_path/results`` as older code would have stored it (no code
    fingerprint, another commit), read back."""
    shutil.copytree(ROOT / "results" / "cost", tmp_path / "results" / "cost")
    [path] = (tmp_path / "results" / "cost").rglob("*.json")
    raw = json.loads(path.read_text())
    raw["provenance"].pop("code_fingerprint", None)
    raw["provenance"]["git_commit"] = "0ldc0de"
    path.write_text(json.dumps(raw))
    return raw


def test_no_recompute_uses_committed_results_and_names_their_commit(tmp_path) -> None:
    stored = [older_cost_result(tmp_path)]
    commit = stored[0]["provenance"]["git_commit"]
    ledger = tmp_path / "ledger.md"
    assert main(["--quiet", "check", "--full", "--only", "12a", "--no-recompute", "--out", str(ledger),
                 "--results", str(tmp_path / "results"), "--figures-dir", str(tmp_path / "figures")]) == 0
    text = ledger.read_text()
    assert f"- results used: 1 stored results (0 computed in this run) from git {commit}; code fingerprints none" in text
    assert "1 of them **stale**" in text
    assert cells(_rows(text)["12a"])[6].endswith(f"; stale results (git {commit})")
    assert json.loads(next((tmp_path / "results" / "cost").rglob("*.json")).read_text()) == stored[0]  # untouched


def test_rerun_and_no_recompute_together_are_refused(tmp_path, capsys) -> None:
    assert main(["check", "--only", "4", "--rerun", "--no-recompute", "--out", str(tmp_path / "l.md")]) == 2
    assert "--rerun and --no-recompute contradict each other" in capsys.readouterr().err


@pytest.mark.parametrize("row, verdict", [("| 9 | a \\| b | paper | m | v | **holds** | `c` | 1.5 s |", "**holds**")])
def test_cells_keep_escaped_bars_inside_a_cell(row, verdict) -> None:
    assert cells(row)[1] == "a \\| b" and cells(row)[5] == verdict


def test_reuse_stale_judges_the_committed_results_and_computes_only_what_is_missing(tmp_path) -> None:
    """Row 12a reads the committed (stale) cost result untouched; row 4's identity experiment, absent, is computed."""
    stored = older_cost_result(tmp_path)
    ledger = tmp_path / "ledger.md"
    common = ["--out", str(ledger), "--results", str(tmp_path / "results"), "--figures-dir", str(tmp_path / "f")]
    assert main(["--quiet", "check", "--full", "--only", "12a,4", "--reuse-stale", *common]) == 0
    rows = _rows(ledger.read_text())
    assert cells(rows["12a"])[6].endswith(f"; stale results (git {stored['provenance']['git_commit']})")
    assert "stale" not in cells(rows["4"])[6]
    assert json.loads(next((tmp_path / "results" / "cost").rglob("*.json")).read_text()) == stored  # untouched
    assert len(list((tmp_path / "results" / "identity" / "evidence").glob("*.json"))) == 1  # computed and stored


def test_reuse_stale_with_another_recompute_option_is_refused(tmp_path, capsys) -> None:
    assert main(["check", "--only", "4", "--rerun", "--reuse-stale", "--out", str(tmp_path / "l.md")]) == 2
    assert "--rerun and --reuse-stale contradict each other" in capsys.readouterr().err


def test_a_result_computed_then_read_again_counts_as_computed_once() -> None:
    from msda_theory.checks.ledger import results_line
    from msda_theory.results import StoredResult, code_fingerprint

    made = StoredResult("ratio", "tiny", 0, {}, "abc", {}, {"git_commit": "x", "code_fingerprint": code_fingerprint()})
    read = StoredResult(**{**made.__dict__, "reused": True})
    other = StoredResult(**{**made.__dict__, "config_hash": "def", "reused": True})
    assert "3 stored results" not in results_line([made, read, other])
    assert "- results used: 2 stored results (1 computed in this run) from git x" in results_line([made, read, other])


def test_two_only_runs_writing_one_ledger_at_once_keep_both_rows(tmp_path, monkeypatch) -> None:
    """Two `check --only` writers that each read the ledger back before the other has replaced it: without the
    folder lock the later write drops the earlier one's row (a lost update); with it they take turns."""
    import threading
    import time

    from msda_theory.checks import ledger
    from msda_theory.checks.registry import CheckContext, Measurement
    from msda_theory.results import ResultStore

    ctx = CheckContext(preset="tiny", store=ResultStore(tmp_path / "results"))
    first, second = all_checks()[:2]

    def outcome(check, value: str) -> ledger.Outcome:
        return ledger.Outcome(check, Measurement(value=value, verdict="holds", method="m", summary=value), "", 0.0)

    path = tmp_path / "paper_checks.md"
    ledger.write_ledger([outcome(first, "old one"), outcome(second, "old two")], ctx, path)
    read = ledger.read_ledger

    def slow_read(*args, **kwargs):  # read, then let the other writer read the same old ledger
        result = read(*args, **kwargs)
        time.sleep(0.3)
        return result

    monkeypatch.setattr(ledger, "read_ledger", slow_read)
    writers = [threading.Thread(target=ledger.write_ledger, args=([outcome(c, v)], ctx, path),
                                kwargs={"keep_other_rows": True}) for c, v in ((first, "new one"), (second, "new two"))]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    rows = _rows(path.read_text())
    assert "new one" in rows[first.id] and "new two" in rows[second.id]
