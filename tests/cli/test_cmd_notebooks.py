"""``msda-theory notebooks``: executed HTML copies of the notebooks, with papermill-style parameters."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from msda_theory.cli import main
from msda_theory.cli.cmd_notebooks import parse_parameters

ROOT = Path(__file__).resolve().parents[2]


def test_parameters_are_python_literals() -> None:
    assert parse_parameters(["n=3", "size=32,32", "name='x'"]) == {"n": 3, "size": (32, 32), "name": "x"}
    with pytest.raises(ValueError, match=r"-p takes NAME=VALUE"):
        parse_parameters(["3=4"])
    with pytest.raises(ValueError, match=r"is not a Python literal"):
        parse_parameters(["name=evidence"])


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
