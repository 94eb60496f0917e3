"""``msda-theory train`` and ``msda-theory sweep``: files written, options from TrainConfig, one-line errors."""
import json

import pytest
import torch

from msda_theory.train import TrainConfig, load_checkpoint



def test_train_writes_checkpoint_and_metrics(tmp_path, run_cli):
    pytest.importorskip("sklearn")
    out = tmp_path / "run"
    args = ["train", "--data", "digits", "--model", "linear", "--strategy", "hmix", "--alpha", "0.5", "--r", "0.25",
            "--epochs", "2", "--subset", "64", "--test-subset", "32", "--batch-size", "32", "--seed", "3",
            "--classes", "0,1", "--binary", "--out", str(out), "--no-progress"]
    status, captured = run_cli(args)
    assert status == 0 and "epoch 2:" in captured.out
    metrics = json.loads((out / "metrics.json").read_text())
    expected = TrainConfig(data="digits", model="linear", strategy="hmix:alpha=0.5,r=0.25", epochs=2, subset=64,
                           test_subset=32, batch_size=32, seed=3, classes=(0, 1), binary=True)
    assert metrics["config"] == expected.to_dict() and len(metrics["epochs"]) == 2
    torch.load(out / "checkpoint.pt", weights_only=True)
    model, config = load_checkpoint(out)
    assert config == expected and model(torch.rand(2, 1, 8, 8)).shape == (2, 1)
    status, captured = run_cli(args + ["--resume"])  # finished: resumes to the same metrics
    assert status == 0 and json.loads((out / "metrics.json").read_text())["epochs"] == metrics["epochs"]


@pytest.mark.parametrize("args, message", [
    (["--strategy", "mixupp"], "msda-theory train: error: unknown strategy 'mixupp'; choose one of: none, mixup"),
    (["--epochs", "0"], "msda-theory train: error: epochs must be a positive integer, got 0"),
    (["--epochs", "two"], "msda-theory train: error: argument --epochs: invalid int value: 'two'"),
    (["--model", "vgg"], "msda-theory train: error: unknown model 'vgg'"),
    (["--data", "nosuch"], "msda-theory train: error: unknown data set 'nosuch'"),
    (["--threads", "0"], "msda-theory train: error: --threads must be a positive integer, got 0"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, run_cli):
    status, captured = run_cli(["train", "--out", str(tmp_path / "x"), "--no-progress", *args])
    lines = captured.err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith(message), lines


def test_sweep_command_writes_the_table(tmp_path, run_cli):
    pytest.importorskip("sklearn")
    args = ["sweep", "--data", "digits", "--model", "linear", "--strategies", "none,cutmix", "--seeds", "0",
            "--epochs", "1", "--subset", "48", "--test-subset", "24", "--out", str(tmp_path)]
    status, captured = run_cli(args)
    assert status == 0 and "| digits | cutmix | 1 |" in captured.out
    assert (tmp_path / "results.md").is_file() and (tmp_path / "sweep.json").is_file()
    status, captured = run_cli(["sweep", "--strategies", "none", "--seeds", "x", "--out", str(tmp_path)])
    assert status == 2 and len(captured.err.strip().splitlines()) == 1
