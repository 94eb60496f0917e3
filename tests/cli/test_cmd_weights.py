"""``msda-theory weights``: JSON keys and the exit-status-2 path."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from msda_theory.cli import main


def test_exact_json_keys(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    assert main(["weights", "--strategy", "hmix", "--r", "0.25", "--size", "4x6", "--method", "exact", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert {"strategy", "params", "size", "method", "a_p", "a_pq", "profile"} <= set(data)
    assert data["params"] == {"alpha": 1.0, "r": 0.25} and data["size"] == [4, 6]
    assert len(data["a_pq"]) == 24 and len(data["a_p"]) == 4
    assert set(data["profile"]) == {"metric", "distance", "mean", "count"}


def test_mc_json_has_se(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    assert main(["weights", "--strategy", "fmix", "--size", "5x5", "--method", "mc", "--samples", "64",
                 "--seed", "1", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert "se" in data["profile"] and len(data["profile"]["se"]) == len(data["profile"]["mean"])


def test_large_size_omits_a_pq(tmp_path: Path) -> None:
    out = tmp_path / "w.json"
    assert main(["weights", "--strategy", "mixup", "--size", "65x64", "--method", "exact", "--json", str(out)]) == 0
    assert "a_pq" not in json.loads(out.read_text())


@pytest.mark.parametrize("argv, message", [
    (["--strategy", "fmix", "--size", "4x4", "--method", "exact"], "no exact form"),
    (["--strategy", "cutmix", "--size", "4by4"], "size must look like HxW"),
    (["--strategy", "hmix", "--r", "2", "--size", "4x4"], "r must be a number in"),
    (["--strategy", "mixup", "--size", "4x4", "--method", "mc", "--samples", "1"], "n_masks must be"),
])
def test_bad_input_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture, argv: list[str], message: str) -> None:
    assert main(["weights", *argv, "--json", str(tmp_path / "w.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_a_248_character_json_name_is_written(tmp_path) -> None:
    """The temp file beside a long (legal) target name still fits 255 bytes (it used to be refused after the work)."""
    out = tmp_path / ("w" * 243 + ".json")
    assert len(out.name) == 248
    assert main(["weights", "--strategy", "mixup", "--size", "4x4", "--method", "exact", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["a_p"] and [p.name for p in tmp_path.iterdir()] == [out.name]


def test_auto_method_writes_the_method_it_ran(tmp_path: Path) -> None:
    """--method auto (the default) runs exact for HMix and the streamed mc for FMix (with SEs); --n-masks counts masks."""
    exact, mc = tmp_path / "e.json", tmp_path / "m.json"
    assert main(["weights", "--strategy", "hmix", "--size", "4x4", "--json", str(exact)]) == 0
    assert main(["weights", "--strategy", "fmix", "--size", "4x4", "--n-masks", "32", "--json", str(mc)]) == 0
    exact_data, mc_data = json.loads(exact.read_text()), json.loads(mc.read_text())
    assert exact_data["method"] == "exact" and "a_p_se" not in exact_data
    assert mc_data["method"] == "mc" and mc_data["samples"] == 32 and "a_pq_se" in mc_data
