"""msda-theory decompose: JSON keys and one-line errors with exit status 2."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from msda_theory.cli import main

KEYS = {"l_std", "r1", "r2", "r3", "l_msda", "remainder", "r1_se", "r2_se", "r3_se", "l_msda_se", "remainder_se"}


@pytest.mark.parametrize("extra", [["--estimator", "direct"], ["--estimator", "moment"],
                                   ["--loss", "bce", "--strategy", "cutmix"]])
def test_json_has_every_field(tmp_path: Path, extra: list[str]) -> None:
    out = tmp_path / "d.json"
    assert main(["decompose", "--subset", "6", "--n-masks", "4", "--json", str(out), *extra]) == 0
    payload = json.loads(out.read_text())
    assert KEYS <= set(payload)
    assert payload["remainder"] == pytest.approx(payload["l_msda"] - payload["l_std"] - payload["r1"]
                                                 - payload["r2"] - payload["r3"])


def test_bad_input_is_one_line_and_status_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["decompose", "--subset", "1", "--json", str(tmp_path / "d.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--subset must be at least 2" in err
    assert main(["decompose", "--data", "nope", "--json", str(tmp_path / "d.json")]) == 2


def test_output_says_what_the_standard_errors_cover(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.json"
    assert main(["decompose", "--subset", "4", "--n-masks", "2", "--estimator", "moment", "--weights", "exact",
                 "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    payload = json.loads(out.read_text())
    assert payload["se_covers"].startswith("weights only") and f"SE covers: {payload['se_covers']}" in printed
    assert main(["decompose", "--subset", "4", "--n-masks", "2", "--activation", "relu", "--json", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert payload["config"]["estimator"] == "direct" and payload["config"]["estimator_requested"] == "auto"
    assert any("R3 = 0 almost everywhere" in note for note in payload["notes"])
    assert "note: the model is piecewise linear" in capsys.readouterr().out
