"""``msda-theory robustness`` on a checkpoint: JSON fields, subsets, one-line errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from msda_theory.cli import main

train = pytest.importorskip("msda_theory.train", reason="needs msda_theory.train to write a checkpoint")
KEYS = {"checkpoint", "config", "attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "n", "sanity"}


def _fit(tmp_path_factory: pytest.TempPathFactory, name: str, **overrides) -> Path:
    folder = tmp_path_factory.mktemp(name)
    settings = {"data": "digits", "model": "mlp", "epochs": 1, "subset": 300, "batch_size": 64, "lr": 0.05, **overrides}
    config = train.TrainConfig(**settings)
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny model on a busy 2-core machine
    try:
        train.fit(config, folder, progress=False)
    finally:
        torch.set_num_threads(before)
    return folder


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fit(tmp_path_factory, "run")


@pytest.fixture(scope="module")
def binary_run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _fit(tmp_path_factory, "binary", classes=(3, 8), binary=True, subset=None, epochs=4)


def test_robustness_writes_accuracy_per_eps(run_dir: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "rob.json"
    code = main(["robustness", "--checkpoint", str(run_dir), "--attack", "fgsm", "--norm", "l2",
                 "--eps", "0,0.1,0.5", "--n", "60", "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    assert KEYS <= set(result)
    assert result["attack"] == "fgsm" and result["norm"] == "l2" and result["n"] == 60
    assert result["eps"] == [0.0, 0.1, 0.5] and len(result["accuracy"]) == 3
    assert result["config"]["data"] == "digits" and result["config"]["strategy"] == "none"
    assert all(lo <= a <= hi for lo, a, hi in zip(result["ci_low"], result["accuracy"], result["ci_high"]))
    assert result["sanity"]["output_is_logits"] and result["sanity"]["perturbation_within_eps"]
    assert "accuracy" in capsys.readouterr().out


def test_robustness_pgd_random_subset_is_seeded(run_dir: Path, tmp_path: Path) -> None:
    args = ["robustness", "--checkpoint", str(run_dir), "--attack", "pgd", "--steps", "3", "--eps", "0,0.05",
            "--n", "40", "--sample", "random", "--seed", "7"]
    main([*args, "--json", str(tmp_path / "a.json")])
    main([*args, "--json", str(tmp_path / "b.json")])
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert a["accuracy"] == b["accuracy"] and a["steps"] == 3 and a["sanity"]["pgd_at_least_fgsm"] is not None


def test_robustness_binary_run(binary_run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bin.json"
    assert main(["robustness", "--checkpoint", str(binary_run_dir), "--preset", "quick", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["config"]["binary"] is True and result["attack"] == "fgsm"
    assert result["accuracy"][0] > 0.5 and result["sanity"]["output_is_logits"]


@pytest.mark.parametrize("extra,message", [
    (["--eps", "0,-0.1"], "eps must be a finite number >= 0, got -0.1"),
    (["--eps", "0,a"], "--eps must be comma-separated numbers, got '0,a'"),
    (["--n", "0"], "--n must lie in 1.."),
])
def test_robustness_bad_input_is_one_line(run_dir: Path, tmp_path: Path, capsys, extra, message) -> None:
    code = main(["robustness", "--checkpoint", str(run_dir), "--json", str(tmp_path / "x.json"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_robustness_missing_checkpoint(tmp_path: Path, capsys) -> None:
    code = main(["robustness", "--checkpoint", str(tmp_path / "none"), "--json", str(tmp_path / "x.json")])
    assert code == 2 and "no checkpoint" in capsys.readouterr().err
