"""--model pkg.mod:fn and --data pkg.mod:name from the current folder; runs of a user's model need --model again;
errors name the flags (not Python arguments)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from msda_theory.cli import main

ROOT = Path(__file__).resolve().parents[2]
MODELS = """
from torch import nn

def net():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))

def other():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
"""
DATA = """
from torch.utils.data import TensorDataset
from msda_theory import data

def make():
    digits = data.load("digits")
    return TensorDataset(digits.x, digits.y)

def test():
    digits = data.load("digits", split="test")
    return TensorDataset(digits.x, digits.y)
"""


@pytest.fixture()
def cwd(tmp_path, monkeypatch) -> Path:
    """A current folder holding mymodels.py and mydata.py, on no sys.path entry."""
    (tmp_path / "mymodels.py").write_text(MODELS)
    (tmp_path / "mydata.py").write_text(DATA)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    for name in ("mymodels", "mydata"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


def one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def console_script() -> list[str]:
    """The installed ``msda-theory`` script, or the same start (no current folder on sys.path) where it is elsewhere."""
    script = Path(sys.executable).with_name("msda-theory")
    if script.is_file():
        return [str(script)]
    start = ("import os, sys; sys.path[:] = [p for p in sys.path if p not in ('', os.getcwd())]; "
             "from msda_theory.cli import main; sys.exit(main())")
    return [sys.executable, "-c", start]


def test_the_console_script_imports_from_the_current_folder_without_pythonpath(cwd):
    """The entry point, run in the folder with PYTHONPATH naming only the package under test."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([*console_script(), "-q", "decompose", "--model", "mymodels:net", "--data", "mydata:make",
                           "--subset", "6", "--n-masks", "4", "--json", "d.json"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    payload = json.loads((cwd / "d.json").read_text())
    assert payload["config"]["model"] == "mymodels:net" and "l_msda" in payload


def test_decompose_on_user_data_equals_the_named_data_set(cwd):
    """Twin: mydata:make is the digits train split as a TensorDataset, so every term is the same number."""
    args = ["decompose", "--subset", "6", "--n-masks", "4", "--model", "linear"]
    assert main([*args, "--data", "mydata:make", "--json", "user.json", "-q"]) == 0
    assert main([*args, "--data", "digits", "--json", "named.json", "-q"]) == 0
    user, named = (json.loads((cwd / f).read_text()) for f in ("user.json", "named.json"))
    for key in ("l_std", "r1", "r2", "r3", "l_msda"):
        assert user[key] == named[key]


def test_train_a_user_model_on_user_data_and_attack_it(cwd, capsys):
    train = ["train", "--epochs", "1", "--subset", "64", "--batch-size", "32", "--threads", "1", "-q"]
    assert main([*train, "--model", "mymodels:net", "--data", "mydata:make", "--out", "user"]) == 0
    assert main([*train, "--model", "factory:mymodels:net", "--data", "digits", "--out", "named"]) == 0
    user, named = (json.loads((cwd / d / "metrics.json").read_text()) for d in ("user", "named"))
    assert user["config"]["model"] == named["config"]["model"] == "factory:mymodels:net"
    assert user["config"]["data"] == "custom:TensorDataset" and user["final"]["test_accuracy"] is None
    assert user["epochs"][0]["train_loss"] == named["epochs"][0]["train_loss"]  # the same 64 images, the same seed
    rob = ["robustness", "--checkpoint", "user", "--attack", "fgsm", "--eps", "0", "--n", "30", "-q"]
    assert main([*rob, "--json", "r.json"]) == 2
    assert "give the model with --model package.module:function" in one_error(capsys)
    assert main([*rob, "--model", "mymodels:net", "--json", "r.json"]) == 2
    assert "trained on a user's data set (custom:TensorDataset): name the test data with --data" in one_error(capsys)
    assert main([*rob, "--model", "mymodels:net", "--data", "mydata:test", "--json", "r.json"]) == 0
    assert main([*rob[:2], "named", *rob[3:], "--model", "mymodels:net", "--json", "n.json"]) == 0
    assert json.loads((cwd / "r.json").read_text())["accuracy"] == json.loads((cwd / "n.json").read_text())["accuracy"]


def test_a_run_refuses_another_factory_and_decompose_needs_model_too(cwd, capsys):
    assert main(["train", "--epochs", "1", "--subset", "32", "--model", "mymodels:net", "--out", "run", "-q"]) == 0
    dec = ["decompose", "--checkpoint", "run", "--subset", "4", "--n-masks", "2", "--json", "d.json", "-q"]
    assert main(dec) == 2
    assert "names a user's model 'factory:mymodels:net', and code named in a file is never imported: give the " \
           "model with --model package.module:function" in one_error(capsys)
    assert main([*dec, "--model", "mymodels:other"]) == 2
    assert "the model given is built by 'mymodels:other' but run records the factory 'mymodels:net'" \
        in one_error(capsys)
    assert main([*dec, "--model", "mymodels:net"]) == 0 and (cwd / "d.json").is_file()


def test_a_sweep_of_a_user_model_records_its_factory_in_every_job(cwd):
    assert main(["sweep", "--model", "mymodels:net", "--strategies", "none,mixup", "--seeds", "0", "--epochs", "1",
                 "--subset", "32", "--batch-size", "32", "--out", "sweep", "-q"]) == 0
    jobs = sorted((cwd / "sweep").rglob("metrics.json"))
    assert len(jobs) == 2
    assert {json.loads(job.read_text())["config"]["model"] for job in jobs} == {"factory:mymodels:net"}


def test_a_finished_run_asks_for_the_flags_not_the_python_arguments(cwd, capsys):
    args = ["train", "--epochs", "1", "--subset", "32", "--model", "linear", "--out", "run", "-q"]
    assert main(args) == 0
    assert main(args) == 2
    err = one_error(capsys)
    assert "already holds a run (checkpoint.pt, metrics.json); use --resume to continue it or --overwrite to " \
           "replace it" in err and "resume=True" not in err


def test_a_weights_file_with_a_code_payload_is_refused_for_safety(cwd, capsys):
    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (os.getcwd, ())

    torch.save({"weight": Payload()}, cwd / "w.pt")
    assert main(["robustness", "--model", "mymodels:net", "--model-weights", "w.pt", "--data", "digits",
                 "--json", "r.json"]) == 2
    err = one_error(capsys)
    assert "--model-weights w.pt holds objects other than tensors and plain data (posix.getcwd) and is refused for " \
           "safety" in err and "weights_only" not in err and "\x1b" not in err


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--model", "mymodels:nothing", "--out", "o"], "'mymodels' has no 'nothing' (from --model"),
    (["train", "--model", "nowhere_xyz:net", "--out", "o"], "cannot import 'nowhere_xyz' for --model"),
    (["train", "--data", "mydata:nothing", "--out", "o"], "'mydata' has no 'nothing' (from --data"),
    (["decompose", "--data", "mymodels:net", "--json", "o.json"],
     "--data 'mymodels:net' gives items Flatten, not (x (C, H, W) floating tensor, label)"),
    (["train", "--model", "custom:TinyNet", "--out", "o"],
     "--model 'custom:TinyNet' names a module only Python can pass; on the command line give its factory"),
    (["robustness", "--model", "cnn", "--data", "digits", "--json", "o.json"],
     "--model is written 'package.module:function', got 'cnn'"),
    (["robustness", "--model", "mydata:make", "--data", "digits", "--json", "o.json"],
     "--model 'mydata:make' returned TensorDataset, not a torch nn.Module"),
])
def test_bad_user_objects_are_one_line_naming_the_flag(cwd, capsys, argv, message):
    assert main(argv) == 2
    err = one_error(capsys)
    assert message in err and "fit(" not in err
