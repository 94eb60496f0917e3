"""A user's model on the command line (--model package.module:function), --preprocessing, --quiet, help text."""
from __future__ import annotations

import json

import pytest
import torch

from msda_theory import data
from msda_theory.cli import main
from msda_theory.models import from_factory
from msda_theory.train import TrainConfig, fit

FACTORY = """
from torch import nn

def digits_net():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
"""
MEAN, STD = 0.3, 0.4


@pytest.fixture()
def spec(tmp_path, monkeypatch) -> str:
    (tmp_path / "cli_user_models.py").write_text(FACTORY)
    monkeypatch.syspath_prepend(str(tmp_path))
    return "cli_user_models:digits_net"


@pytest.fixture()
def weights(spec, tmp_path) -> str:
    torch.manual_seed(0)
    model = from_factory(spec)
    path = tmp_path / "weights.pt"
    torch.save(model.state_dict(), path)
    return str(path)


def test_robustness_of_a_factory_model_with_preprocessing(spec, weights, tmp_path):
    out = tmp_path / "rob.json"
    code = main(["robustness", "--model", spec, "--model-weights", weights, "--data", "digits", "--n", "50",
                 "--attack", "fgsm", "--eps", "0,0.05", "--preprocessing", f"{MEAN}:{STD}", "--quiet",
                 "--json", str(out)])
    assert code == 0
    result = json.loads(out.read_text())
    model = from_factory(spec)
    model.load_state_dict(torch.load(weights))
    test = data.load("digits", split="test")
    clean = (model((test.x[:50] - MEAN) / STD).argmax(1) == test.y[:50]).float().mean().item()
    assert result["accuracy"][0] == pytest.approx(clean) and result["checkpoint"] is None
    assert result["preprocessing"] == {"mean": [MEAN], "std": [STD]} and result["model"] == spec


def test_a_run_of_a_factory_model_is_attacked_from_its_checkpoint(spec, tmp_path, capsys):
    config = TrainConfig(data="digits", epochs=1, subset=100, batch_size=50)
    run = fit(config, tmp_path / "run", model=spec, progress=False)
    assert run.config.model == f"factory:{spec}"
    out = tmp_path / "rob.json"
    attack = ["robustness", "--checkpoint", str(tmp_path / "run"), "--n", "20", "--attack", "fgsm", "--eps", "0",
              "--json", str(out), "-q"]
    assert main(attack) == 2 and not out.exists()  # the checkpoint's record of the factory is never imported
    err = capsys.readouterr().err
    assert f"names a user's model 'factory:{spec}', and code named in a file is never imported: give the model " \
           "with --model package.module:function" in err and err.count("\n") == 1 and "fit(" not in err
    assert main([*attack, "--model", spec]) == 0
    result = json.loads(out.read_text())
    assert result["config"]["model"] == f"factory:{spec}" and result["model"] == spec
    decomposed = tmp_path / "dec.json"
    assert main(["decompose", "--model", spec, "--model-weights", str(tmp_path / "run" / "checkpoint.pt"),
                 "--subset", "8", "--n-masks", "4", "--json", str(decomposed)]) == 0
    assert "l_msda" in json.loads(decomposed.read_text())


@pytest.mark.parametrize("extra, message", [
    ([], "name the model: --checkpoint DIR or --model"),
    (["--model", "cli_user_models:digits_net"], "--model needs --data"),
    (["--checkpoint", "x", "--model-weights", "w.pt"], "--model-weights goes with --model"),
    (["--model", "cli_user_models:digits_net", "--data", "digits", "--preprocessing", "0.5"],
     "--preprocessing must look like MEAN,..:STD,.."),
    (["--model", "cli_user_models:digits_net", "--data", "digits", "--model-weights", "missing.pt"],
     "no weights file at missing.pt"),
])
def test_robustness_model_errors_are_one_line(spec, tmp_path, capsys, extra, message):
    assert main(["robustness", *extra, "--json", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_weights_of_another_model_are_one_line(spec, tmp_path, capsys):
    torch.save({"weight": torch.zeros(3)}, tmp_path / "bad.pt")
    args = ["robustness", "--model", spec, "--model-weights", str(tmp_path / "bad.pt"), "--data", "digits",
            "--json", str(tmp_path / "o.json")]
    assert main(args) == 2
    assert "do not fit the model of cli_user_models:digits_net" in capsys.readouterr().err


def test_help_shows_a_single_percent_sign(capsys):
    with pytest.raises(SystemExit):
        main(["robustness", "--help"])
    text = capsys.readouterr().out
    assert "95%" in text and "%%" not in text


def test_quiet_silences_info_and_bars_but_not_stdout(tmp_path, capsys):
    args = ["train", "--data", "digits", "--model", "linear", "--epochs", "1", "--subset", "64", "--threads", "1"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    loud = capsys.readouterr()
    assert main(["--quiet", *args, "--out", str(tmp_path / "b")]) == 0
    quiet = capsys.readouterr()
    assert "epoch 1/1: train loss" in loud.err and quiet.err == ""
    strip = [line.split(" (")[0] for line in loud.out.replace(str(tmp_path / "a"), "OUT").splitlines()]
    assert strip == [line.split(" (")[0] for line in quiet.out.replace(str(tmp_path / "b"), "OUT").splitlines()]


def test_train_a_factory_model_from_the_command_line(spec, tmp_path):
    out = tmp_path / "run"
    assert main(["-q", "train", "--data", "digits", "--model", f"factory:{spec}", "--epochs", "1", "--subset", "64",
                 "--threads", "1", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["model"] == f"factory:{spec}" and metrics["task"]["outputs"] == 10
