"""Nothing named in a checkpoint is imported or called; a code payload is refused for safety, in plain words.

Every crafted checkpoint here carries a matching checksum (whoever writes a checkpoint writes its checksum too),
and the factories it names would be importable: the proof that nothing ran is that the marker module was never
imported, its function never called, and the spied standard functions never called.
"""
from __future__ import annotations

import sys
import tempfile

import pytest
import torch

from msda_theory.train import TrainConfig, fit, load_checkpoint
from msda_theory.train.checkpoint import read_checkpoint, write_checkpoint

MARKER_MODULE = """
import pathlib
pathlib.Path({imported!r}).write_text("imported")

def net():
    pathlib.Path({called!r}).write_text("called")
    from torch import nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 4))

def touch():
    pathlib.Path({called!r}).write_text("called")
"""


@pytest.fixture()
def markers(tmp_path, monkeypatch):
    """An importable module ck_marker_mod whose import and whose functions leave marker files."""
    folder = tmp_path / "code"
    folder.mkdir()
    paths = {"imported": str(tmp_path / "imported"), "called": str(tmp_path / "called")}
    (folder / "ck_marker_mod.py").write_text(MARKER_MODULE.format(**paths))
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "ck_marker_mod", raising=False)
    return tmp_path


@pytest.fixture()
def spies(monkeypatch):
    """tempfile.mkdtemp and sys.exit replaced by recorders (a load that called them would be seen)."""
    calls: list[str] = []
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: calls.append("mkdtemp"))
    monkeypatch.setattr(sys, "exit", lambda *a, **k: calls.append("exit"))
    return calls


@pytest.fixture(scope="module")
def run_state(tmp_path_factory, tiny) -> dict:
    """The checkpoint dict of a one-epoch built-in (linear) run on the tiny task."""
    folder = tmp_path_factory.mktemp("safety") / "run"
    fit(TrainConfig(model="linear", epochs=1, batch_size=32), folder,
        keep_config_data=True, train_data=tiny[0], progress=False)
    return read_checkpoint(folder)


def crafted(state: dict, folder, model: str):
    """A run folder whose checkpoint (with a matching checksum) records config.model = ``model``."""
    folder.mkdir(parents=True)
    write_checkpoint(folder, {**state, "config": {**state["config"], "model": model}})
    return folder


@pytest.mark.parametrize("named", ["factory:tempfile:mkdtemp", "factory:sys:exit", "factory:os:getcwd",
                                   "factory:ck_marker_mod:net", "custom:ck_marker_mod"])
def test_a_checkpoint_naming_code_is_refused_and_nothing_runs(run_state, markers, spies, named):
    folder = crafted(run_state, markers / "run", named)
    with pytest.raises(ValueError, match=rf"names a user's model '{named}', and code named in a file is never "
                                         r"imported: build the model and pass it, "
                                         r"load_checkpoint\(path, model=\.\.\.\)$"):
        load_checkpoint(folder)
    assert spies == [] and not (markers / "imported").exists() and not (markers / "called").exists()


def test_a_module_given_by_the_caller_takes_the_weights(run_state, markers):
    """The refusal is about what the file names: the caller's own module (here a linear one) loads."""
    folder = crafted(run_state, markers / "run", "custom:Anything")
    own = torch.nn.Sequential()
    own.first_layer = torch.nn.Linear(64, 4)
    model, config = load_checkpoint(folder, model=own)
    assert model is own and config.model == "custom:Anything"
    assert torch.equal(own.first_layer.weight, run_state["model"]["first_layer.weight"])


def test_a_pickle_payload_is_refused_for_safety_without_unsafe_advice(run_state, markers):
    import ck_marker_mod  # on the path (markers): the payload's function is importable, so the refusal means something

    (markers / "imported").unlink()

    class Payload:
        def __reduce__(self):  # noqa: ANN204
            return (ck_marker_mod.touch, ())

    folder = markers / "run"
    folder.mkdir()
    write_checkpoint(folder, {**run_state, "extra": Payload()})
    with pytest.raises(ValueError) as err:
        load_checkpoint(folder)
    message = str(err.value)
    assert message == (f"checkpoint {folder / 'checkpoint.pt'} holds objects other than tensors and plain data "
                       "(ck_marker_mod.touch) and is refused for safety: such a file can run code when loaded")
    assert "weights_only" not in message and "\x1b" not in message
    assert not (markers / "called").exists()
