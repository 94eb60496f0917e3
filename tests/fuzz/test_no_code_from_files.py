"""Nothing named in a file runs: crafted checkpoints and weights files through every command that reads one.

Each crafted checkpoint carries a matching checksum (whoever writes the file writes the checksum too). A case
passes when the command gives one stderr line, exit status 2 and no file, and nothing ran: the marker module
was not imported, its functions left no marker, and the spied standard functions (tempfile.mkdtemp, sys.exit)
were never called. Payload pickles must be refused "for safety", with no advice to load them with
weights_only=False and no terminal colour codes.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from conftest import assert_clean_error, run_cli, snapshot
from msda_theory.train.checkpoint import write_checkpoint

MARKER = """
import pathlib
pathlib.Path({imported!r}).write_text("imported")

def net():
    pathlib.Path({called!r}).write_text("called")

def touch(*args):
    pathlib.Path({called!r}).write_text("called")

class Strategy:
    def __init__(self, *args, **kwargs):
        pathlib.Path({called!r}).write_text("called")
"""
NAMED_MODELS = ["factory:tempfile:mkdtemp", "factory:sys:exit", "factory:os:getcwd", "factory:builtins:breakpoint",
                "factory:fz_marker:net", "custom:fz_marker"]
READERS: dict[str, Callable[[Path, Path], list[str]]] = {
    "robustness": lambda ck, t: ["robustness", "--checkpoint", str(ck), "--n", "4", "--attack", "fgsm", "--eps", "0",
                                 "--json", str(t / "out.json")],
    "decompose": lambda ck, t: ["decompose", "--checkpoint", str(ck), "--subset", "4", "--n-masks", "2",
                                "--json", str(t / "out.json")],
}


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """An importable fz_marker module (not imported yet) and recorders in place of tempfile.mkdtemp and sys.exit."""
    code = tmp_path / "code"
    code.mkdir()
    marks = {"imported": tmp_path / "imported", "called": tmp_path / "called"}
    (code / "fz_marker.py").write_text(MARKER.format(**{k: str(v) for k, v in marks.items()}))
    monkeypatch.syspath_prepend(str(code))
    monkeypatch.delitem(sys.modules, "fz_marker", raising=False)
    calls: list[str] = []
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: calls.append("mkdtemp"))
    monkeypatch.setattr(sys, "exit", lambda *a, **k: calls.append("exit"))
    monkeypatch.setattr("builtins.breakpoint", lambda *a, **k: calls.append("breakpoint"))
    return {"calls": calls, **marks}


def nothing_ran(sandbox: dict[str, Any]) -> None:
    assert sandbox["calls"] == [] and not sandbox["called"].exists()


def craft(trained_run: Path, folder: Path, edit: Callable[[dict[str, Any]], dict[str, Any]]) -> Path:
    """A run folder with an edited copy of ``trained_run``'s checkpoint and a checksum that matches it."""
    state = torch.load(trained_run / "checkpoint.pt", weights_only=True)
    folder.mkdir(parents=True)
    write_checkpoint(folder, edit(state))
    return folder


def refuse(argv: list[str], tmp_path: Path, expect: str) -> str:
    before = snapshot(tmp_path)
    result = run_cli(argv)
    assert_clean_error(result, before, snapshot(tmp_path), expect)
    return result.err


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("named", NAMED_MODELS)
def test_a_checkpoint_naming_a_model_imports_nothing(trained_run, tmp_path, sandbox, command, named):
    ck = craft(trained_run, tmp_path / "inputs" / "run",
               lambda s: {**s, "config": {**s["config"], "model": named}})
    refuse(READERS[command](ck, tmp_path), tmp_path,
           f"names a user's model {named!r}, and code named in a file is never imported: give the model with "
           "--model package.module:function")
    nothing_ran(sandbox)
    assert not sandbox["imported"].exists()


def test_a_checkpoint_naming_user_data_is_refused_and_imports_nothing(trained_run, tmp_path, sandbox):
    ck = craft(trained_run, tmp_path / "inputs" / "run", lambda s: {**s, "config": {**s["config"], "data": "fz_marker:net"}})
    refuse(READERS["robustness"](ck, tmp_path), tmp_path, "unknown data set 'fz_marker:net'")  # decompose: --data only
    nothing_ran(sandbox)
    assert not sandbox["imported"].exists()


@pytest.mark.parametrize("command", sorted(READERS))
def test_a_checkpoint_naming_a_user_strategy_is_read_without_importing_it(trained_run, tmp_path, sandbox, command):
    """A strategy spec is a record: loading the run keeps it as text (robustness does not mix, decompose mixes with
    its own --strategy), so the command gives its result and the named class is never imported."""
    ck = craft(trained_run, tmp_path / "inputs" / "run",
               lambda s: {**s, "config": {**s["config"], "strategy": "fz_marker:Strategy"}})
    result = run_cli(READERS[command](ck, tmp_path))
    assert result.status == 0 and not result.crashed, result.err[-2000:]
    assert (tmp_path / "out.json").is_file()
    nothing_ran(sandbox)
    assert not sandbox["imported"].exists()


REAL = {"os.system": os.system, "tempfile.mkdtemp": tempfile.mkdtemp, "sys.exit": sys.exit}
"""The real functions, taken before any test replaces tempfile.mkdtemp and sys.exit with recorders."""
PAYLOADS = ["os.system", "tempfile.mkdtemp", "sys.exit", "fz_marker.touch"]


class Payload:
    """An object whose pickle calls ``function(*args)`` when loaded without weights_only."""

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.function, self.args = function, args

    def __reduce__(self):  # noqa: ANN204
        return (self.function, self.args)


def save_with_payload(target: str, write: Callable[[Payload], None]) -> None:
    """Write a file holding a payload calling ``target``, pickled while the real functions are in place."""
    import fz_marker

    function = REAL.get(target) or fz_marker.touch
    args = ("echo pwned",) if target == "os.system" else (3,) if target == "sys.exit" else ()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "mkdtemp", REAL["tempfile.mkdtemp"])
        patch.setattr(sys, "exit", REAL["sys.exit"])
        write(Payload(function, args))


@pytest.mark.parametrize("command", [*sorted(READERS), "train --resume"])
@pytest.mark.parametrize("target", PAYLOADS)
def test_a_checkpoint_with_a_code_payload_is_refused_for_safety(trained_run, tmp_path, sandbox, command, target):
    folder = tmp_path / "inputs" / "run"
    state = torch.load(trained_run / "checkpoint.pt", weights_only=True)
    folder.mkdir(parents=True)
    save_with_payload(target, lambda payload: write_checkpoint(folder, {**state, "extra": payload}))
    if command == "train --resume":
        argv = ["train", "--model", "linear", "--epochs", "3", "--subset", "64", "--test-subset", "32",
                "--batch-size", "32", "--resume", "--no-progress", "--threads", "1", "--out", str(folder)]
    else:
        argv = READERS[command](folder, tmp_path)
    shown = "posix.system" if target == "os.system" else target
    err = refuse(argv, tmp_path, f"holds objects other than tensors and plain data ({shown}) and is refused for "
                                 "safety")
    assert "weights_only" not in err and "\x1b" not in err
    nothing_ran(sandbox)


@pytest.mark.parametrize("command", ["robustness", "decompose"])
def test_a_weights_file_with_a_code_payload_is_refused_for_safety(tmp_path, sandbox, command):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "fz_models.py").write_text("from torch import nn\n\ndef net():\n"
                                         "    return nn.Sequential(nn.Flatten(), nn.Linear(64, 10))\n")
    weights = inputs / "w.pt"
    save_with_payload("fz_marker.touch", lambda payload: torch.save({"weight": payload}, weights))
    argv = [command, "--model", "fz_models:net", "--model-weights", str(weights), "--data", "digits",
            "--json", str(tmp_path / "out.json")]
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(inputs))
        err = refuse(argv, tmp_path, f"--model-weights {weights} holds objects other than tensors and plain data "
                                     "(fz_marker.touch) and is refused for safety")
    assert "weights_only" not in err and "\x1b" not in err
    nothing_ran(sandbox)
