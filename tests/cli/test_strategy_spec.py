"""--strategy SPEC on the command line: parameters in the spec, validated shorthands, a user's module:Class."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from msda_theory import masks
from msda_theory.cli import main
from msda_theory.weights import pair_weights

ROOT = Path(__file__).parents[2]



def test_weights_records_the_parameters_of_the_spec(tmp_path, run_cli):
    out = tmp_path / "w.json"
    status, _ = run_cli(["weights", "--strategy", "hmix:alpha=2,r=0.25", "--size", "4x5", "--json", str(out)])
    data = json.loads(out.read_text())
    assert status == 0 and data["params"] == {"alpha": 2.0, "r": 0.25}
    assert data["strategy"] == "hmix" and data["spec"] == "hmix:alpha=2.0,r=0.25"
    exact = pair_weights(masks.HMix(alpha=2.0, r=0.25), (4, 5))
    assert torch.allclose(torch.tensor(data["a_p"], dtype=torch.float64), exact.a_p, rtol=1e-12, atol=0)


def test_shorthands_write_the_same_spec(tmp_path, run_cli):
    spec, short = tmp_path / "spec.json", tmp_path / "short.json"
    assert run_cli(["weights", "--strategy", "hmix:alpha=2,r=0.25", "--size", "3x3", "--json", str(spec)])[0] == 0
    assert run_cli(["weights", "--strategy", "hmix", "--alpha", "2", "--r", "0.25", "--size", "3x3",
                     "--json", str(short)])[0] == 0
    assert json.loads(spec.read_text()) == json.loads(short.read_text())


@pytest.mark.parametrize("args, message", [
    (["train", "--strategy", "mixup", "--r", "0.3"], "msda-theory train: error: mixup takes alpha; got r"),
    (["train", "--strategy", "mixup:r=0.3"], "msda-theory train: error: mixup takes alpha; got r"),
    (["train", "--alpha", "2"], "msda-theory train: error: none takes no parameters; got alpha"),
    (["train", "--strategy", "hmix:r=0.3", "--r", "0.2"],
     "msda-theory train: error: --r repeats r=0.3 of --strategy hmix:r=0.3"),
    (["train", "--strategy", "msda_no_such_module:Stripe"],
     "msda-theory train: error: cannot import 'msda_no_such_module' for the strategy"),
    (["weights", "--strategy", "none", "--size", "4x4", "--json", "w.json"],
     "msda-theory weights: error: --strategy none draws no masks"),
    (["weights", "--strategy", "fmix", "--r", "0.5", "--size", "4x4", "--json", "w.json"],
     "msda-theory weights: error: fmix takes alpha, decay_power; got r"),
    (["decompose", "--strategy", "cutmix:decay_power=2", "--json", "d.json"],
     "msda-theory decompose: error: cutmix takes alpha; got decay_power"),
    (["sweep", "--strategies", "none,mixup:r=0.5", "--seeds", "0", "--out", "s"],
     "msda-theory sweep: error: strategies must be a non-empty list from: none, mixup"),
])
def test_a_parameter_the_family_does_not_take_is_one_line_and_exit_2(args, message, tmp_path, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    status, captured = run_cli([*args, *(["--out", "run"] if args[0] == "train" else [])])
    lines = captured.err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith(message), lines
    assert list(tmp_path.iterdir()) == []  # refused before any file or folder was made


def test_help_lists_the_registry(capsys):
    for command in ("train", "weights", "decompose"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert all(name in text for name in masks.strategies())
        for name, cls in masks.FAMILIES.items():
            assert f"{name} takes {', '.join(masks.spec.parameter_types(cls))}" in text


STRIPE = '''
from dataclasses import dataclass
import torch


@dataclass(frozen=True)
class Stripe:
    """M = 1 on alternate bands of `width` columns."""

    width: int = 2

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        h, w = size
        cols = ((torch.arange(w) // self.width) % 2 == 0).to(dtype)
        mask = cols.expand(n, h, w).to(device=device)
        return mask, mask.mean((-2, -1))
'''


def _cli(args, cwd):
    """The command in a fresh interpreter whose sys.path holds the package but not ``cwd`` (python -P)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-P", "-c", "from msda_theory.cli import main; raise SystemExit(main())",
                           *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_user_class_from_the_current_folder_works_in_a_fresh_interpreter(tmp_path):
    (tmp_path / "mymasks.py").write_text(STRIPE)
    plain = subprocess.run([sys.executable, "-P", "-c", "import mymasks"], cwd=tmp_path, capture_output=True)
    assert plain.returncode != 0  # the current folder is not on the path by itself
    weights = _cli(["weights", "--strategy", "mymasks:Stripe:width=3", "--method", "mc", "--samples", "8",
                    "--size", "4x6", "--json", "w.json"], tmp_path)
    assert weights.returncode == 0, weights.stderr
    data = json.loads((tmp_path / "w.json").read_text())
    # lam = 1/2 for every mask: a_p = lam (1 - M_p) + (1 - lam) M_p = 1/2; a_pq = (1 - lam) = 1/2 for two pixels of
    # one band of ones, 0 across bands: pixels x = 0 and x = 2 share a band for width 3 (not for the default 2)
    assert data["spec"] == "mymasks:Stripe:width=3" and data["a_p"][0] == [0.5] * 6
    assert data["a_pq"][0][2] == 0.5 and data["a_pq"][0][3] == 0.0


@pytest.fixture
def stripe_folder(tmp_path, monkeypatch):
    """mymasks.py in the current folder, which is taken off sys.path (as for the installed command)."""
    (tmp_path / "mymasks.py").write_text(STRIPE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(tmp_path))])
    yield tmp_path
    sys.modules.pop("mymasks", None)


def test_a_user_class_from_the_current_folder_trains_and_decomposes(stripe_folder, run_cli):
    pytest.importorskip("sklearn")
    status, captured = run_cli(["train", "--strategy", "mymasks:Stripe", "--model", "linear", "--epochs", "1",
                                 "--subset", "32", "--test-subset", "16", "--batch-size", "16", "--out", "run",
                                 "--no-progress"])
    assert status == 0, captured.err
    metrics = json.loads((stripe_folder / "run" / "metrics.json").read_text())
    assert metrics["config"]["strategy"] == "mymasks:Stripe" and len(metrics["epochs"]) == 1
    status, captured = run_cli(["decompose", "--strategy", "mymasks:Stripe:width=1", "--subset", "4",
                                 "--n-masks", "2", "--json", "d.json", "--quiet"])
    assert status == 0, captured.err
    config = json.loads((stripe_folder / "d.json").read_text())["config"]
    assert config["sampler"] == "Stripe(width=1)" and config["strategy"] == "mymasks:Stripe:width=1"
