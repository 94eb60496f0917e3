"""``msda-theory notebooks``: executed HTML copies of the notebooks, with papermill-style parameters."""
from __future__ import annotations

import html
import os
import re
import subprocess
from pathlib import Path

import pytest

from msda_theory.cli import main
from msda_theory.cli.cmd_notebooks import parse_parameters

ROOT = Path(__file__).resolve().parents[2]


def test_parameters_are_python_literals() -> None:
    assert parse_parameters(["n=3", "size=32,32", "name='x'"]) == {"n": 3, "size": (32, 32), "name": "x"}
    with pytest.raises(ValueError, match=r"-p takes NAME=VALUE"):
        parse_parameters(["3=4"])
    with pytest.raises(ValueError, match=r"^-p name: 'f\(1\)' is not a Python literal \(quote strings\)$"):
        parse_parameters(["name=f(1)"])


def test_a_bare_word_is_a_string_as_the_shell_leaves_it() -> None:
    """`-p preset="evidence"` reaches the program as preset=evidence: the shell strips the quotes."""
    assert parse_parameters(["preset=evidence", "data=fashion-mnist", "flag=True", "x=None"]) == \
        {"preset": "evidence", "data": "fashion-mnist", "flag": True, "x": None}
    with pytest.raises(ValueError, match=r"is not a Python literal"):
        parse_parameters(["name=two words"])


def test_list_and_bad_selection(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notebooks", "--list"]) == 0
    assert "01_masks_and_weights" in capsys.readouterr().out
    assert main(["notebooks", "--list", "--only", "99"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_html_of_an_executed_notebook_shows_its_plots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nbconvert")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    assert main(["notebooks", "--html", str(tmp_path), "--only", "01", "-p", "mc_samples=500"]) == 0
    html = (tmp_path / "01_masks_and_weights.html").read_text()
    assert "data:image/png;base64" in html  # the plots are embedded
    assert "# injected parameters" in html  # the parameter cell was inserted and ran


def test_a_parameter_no_selected_notebook_takes_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nbconvert")
    out = tmp_path / "never"
    assert main(["notebooks", "--html", str(out), "--only", "04", "-p", "tracking_preset=evidence"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no selected notebook has a parameter tracking_preset" in err
    assert "preset" in err and "results" in err and not out.exists()


def tree_status() -> str:
    """`git status --porcelain --ignored` of the checkout, caches left out ('' outside a git checkout)."""
    run = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--ignored", "--untracked-files=all"],
                         capture_output=True, text=True)
    return "\n".join(line for line in run.stdout.splitlines()
                     if not any(c in line for c in ("__pycache__", ".pytest_cache", ".hypothesis", ".egg-info")))


def committed_row(claim: str) -> list[str]:
    """The cells of one row of the committed ledger's table."""
    for line in (ROOT / "paper_checks.md").read_text().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0] == claim:
            return [c.replace("\\|", "|") for c in cells]
    raise AssertionError(f"no row {claim} in paper_checks.md")


def test_the_evidence_view_reads_the_committed_store_and_agrees_with_the_ledger(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's evidence command into a folder that does not exist yet: it reads the committed results (no
    training), writes nothing into the checkout, and its last cell prints row 11 as paper_checks.md has it."""
    pytest.importorskip("nbconvert")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    before = tree_status()
    out = tmp_path / "new" / "dir"
    assert main(["notebooks", "--html", str(out), "--only", "04", "-p", "preset=evidence"]) == 0
    assert tree_status() == before
    assert sorted(p.name for p in out.iterdir()) == ["04_task_dependence.html"]
    assert not list((tmp_path / "tmp").rglob("*.json"))  # nothing was computed: every result was committed
    text = html.unescape((out / "04_task_dependence.html").read_text())
    row = committed_row("11")
    assert f"measured: {row[3]}" in text and f"verdict: {row[4].strip('*')}" in text
    assert "show the workflow, not evidence" not in text
