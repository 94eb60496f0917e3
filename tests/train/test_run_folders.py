"""Run folders that cannot be mixed (issue 10): lock, refusal of an existing run, checksum, data fingerprint,
metrics rebuilt from the checkpoint on resume."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from msda_theory.train import TrainConfig, fit, read_checkpoint
from msda_theory.train.checkpoint import write_checkpoint
from msda_theory.train.runfolder import RunMismatchError, run_lock


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"model": "linear", "strategy": "mixup", "epochs": 2, "batch_size": 32, "lr": 0.05,
                          **overrides})


def weights(folder) -> dict[str, torch.Tensor]:
    return read_checkpoint(folder)["model"]


def test_a_folder_holding_a_run_is_refused_without_resume_or_overwrite(tiny, tmp_path):
    fit(config(), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    with pytest.raises(ValueError, match=r"already holds a run \(checkpoint.pt, metrics.json\); pass resume=True "
                                         r"to continue it or overwrite=True to replace it"):
        fit(config(lr=0.01), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    replaced = fit(config(lr=0.01), tmp_path, overwrite=True, progress=False, keep_config_data=True, train_data=tiny[0])
    fresh = fit(config(lr=0.01), tmp_path / "fresh", progress=False, keep_config_data=True, train_data=tiny[0])
    assert json.loads((tmp_path / "metrics.json").read_text())["config"]["lr"] == 0.01
    for key, value in weights(tmp_path).items():
        assert torch.equal(value, weights(tmp_path / "fresh")[key])
    assert replaced.resumed_epochs == 0 and fresh.metrics["epochs"][-1]["train_loss"] == \
        replaced.metrics["epochs"][-1]["train_loss"]


def test_a_second_writer_is_refused_while_the_lock_is_held(tiny, tmp_path):
    with run_lock(tmp_path):
        with pytest.raises(ValueError, match=r"run folder .* is in use by another process"):
            fit(config(), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    assert not (tmp_path / "checkpoint.pt").exists()
    fit(config(), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])  # released


@pytest.mark.parametrize("damage", ["corrupt", "stale", "missing"])
def test_resume_rebuilds_metrics_from_the_checkpoint(tiny, tmp_path, damage):
    first_epoch = {}
    fit(config(), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0],
        callback=lambda e, m, r: first_epoch.setdefault("text", (tmp_path / "metrics.json").read_text()))
    good = json.loads((tmp_path / "metrics.json").read_text())
    metrics = tmp_path / "metrics.json"
    if damage == "corrupt":
        metrics.write_text('{"epochs": [')
    elif damage == "stale":  # a kill between the checkpoint's rename and the metrics' rename
        metrics.write_text(first_epoch["text"])
        assert len(json.loads(metrics.read_text())["epochs"]) == 1
    else:
        metrics.unlink()
    result = fit(config(), tmp_path, resume=True, progress=False, keep_config_data=True, train_data=tiny[0])
    assert result.resumed_epochs == 2
    assert json.loads(metrics.read_text()) == good


def test_a_kill_between_checksum_and_rename_resumes_to_the_same_weights(tiny, tmp_path):
    """The checksum file lists the new and the previous hash, so the previous checkpoint still verifies."""
    straight = tmp_path / "straight"
    fit(config(), straight, progress=False, keep_config_data=True, train_data=tiny[0])
    killed = tmp_path / "killed"
    copies = {}
    fit(config(), killed, progress=False, keep_config_data=True, train_data=tiny[0],
        callback=lambda e, m, r: copies.setdefault(e, (killed / "checkpoint.pt").read_bytes()))
    (killed / "checkpoint.pt").write_bytes(copies[1])  # epoch 2's checksum written, its rename not done
    assert read_checkpoint(killed)["epoch"] == 1
    result = fit(config(), killed, resume=True, progress=False, keep_config_data=True, train_data=tiny[0])
    assert result.resumed_epochs == 1
    for key, value in weights(straight).items():
        assert torch.equal(value, weights(killed)[key])


def test_a_flipped_byte_is_refused(tiny, tmp_path):
    fit(config(epochs=1), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    blob = bytearray((tmp_path / "checkpoint.pt").read_bytes())
    blob[len(blob) // 3] ^= 0x10
    (tmp_path / "checkpoint.pt").write_bytes(bytes(blob))
    with pytest.raises(ValueError, match=r"does not match its checksum"):
        fit(config(epochs=1), tmp_path, resume=True, progress=False, keep_config_data=True, train_data=tiny[0])


def test_resume_on_changed_data_is_refused(tiny, tmp_path):
    fit(config(epochs=1), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    x = tiny[0].x.clone()
    x[0, 0, 0, 0] += 0.01
    changed = SimpleNamespace(x=x, y=tiny[0].y, num_classes=tiny[0].num_classes)
    with pytest.raises(RunMismatchError, match=r"the data differ from those it was trained on \(fingerprint fields \['sha256'\]\)"):
        fit(config(epochs=1), tmp_path, resume=True, progress=False, keep_config_data=True, train_data=changed)
    fewer = SimpleNamespace(x=x[:40], y=tiny[0].y[:40], num_classes=tiny[0].num_classes)
    with pytest.raises(RunMismatchError, match=r"fingerprint fields \['n_train', 'sha256'\]"):
        fit(config(epochs=1), tmp_path, resume=True, progress=False, keep_config_data=True, train_data=fewer)


def test_resume_with_another_config_is_refused(tiny, tmp_path):
    fit(config(epochs=1), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    with pytest.raises(RunMismatchError, match=r"different config \(fields \['strategy'\]\)"):
        fit(config(epochs=1, strategy="mixup:alpha=0.5"), tmp_path, resume=True, progress=False,
            keep_config_data=True, train_data=tiny[0])


def test_a_checkpoint_of_the_first_config_format_resumes(tiny, tmp_path):
    """Before strategy specs a config held flat alpha, r, decay_power for every strategy: such a run still resumes
    under the spec of the parameters its family took, and one of another alpha is still refused."""
    fit(config(epochs=2, strategy="mixup:alpha=0.5"), tmp_path, progress=False,
        keep_config_data=True, train_data=tiny[0],
        callback=lambda e, m, r: e == 1 and (tmp_path / "epoch1.pt").write_bytes((tmp_path / "checkpoint.pt").read_bytes()))
    (tmp_path / "checkpoint.pt").write_bytes((tmp_path / "epoch1.pt").read_bytes())  # killed after epoch 1
    state = read_checkpoint(tmp_path)
    state["config"] = {**{k: v for k, v in state["config"].items() if k != "strategy"},
                       "strategy": "mixup", "alpha": 0.5, "r": 0.5, "decay_power": 3.0}
    write_checkpoint(tmp_path, state)
    with pytest.raises(RunMismatchError, match=r"different config \(fields \['strategy'\]\)"):
        fit(config(epochs=2, strategy="mixup:alpha=0.7"), tmp_path, resume=True, progress=False,
            keep_config_data=True, train_data=tiny[0])
    result = fit(config(epochs=2, strategy="mixup:alpha=0.5"), tmp_path, resume=True, progress=False,
                 keep_config_data=True, train_data=tiny[0])
    assert result.resumed_epochs == 1 and len(result.metrics["epochs"]) == 2
    assert read_checkpoint(tmp_path)["config"]["strategy"] == "mixup:alpha=0.5"  # written in the spec form now


def test_divergence_is_an_error_not_a_nan_metric(tiny, tmp_path):
    with pytest.raises(ValueError, match=r"training diverged in epoch 1"):
        fit(config(epochs=1, lr=1000.0, weight_decay=0.0, strategy="none"), tmp_path, progress=False,
            keep_config_data=True, train_data=SimpleNamespace(x=tiny[0].x * 1e30, y=tiny[0].y, num_classes=4))
    assert not (tmp_path / "checkpoint.pt").exists()


KILLED_RUN = """
import os, signal, sys
import torch
from types import SimpleNamespace
from msda_theory.train import TrainConfig, fit

torch.set_num_threads(1)
g = torch.Generator().manual_seed(5)
train = SimpleNamespace(x=torch.rand(64, 1, 6, 6, generator=g), y=torch.randint(3, (64,), generator=g), num_classes=3)
config = TrainConfig(model="mlp", strategy="cutmix", optimizer="adam", lr=1e-3, epochs=3, batch_size=16)
kill = lambda epoch, model, record: os.kill(os.getpid(), signal.SIGKILL) if epoch == 1 else None
fit(config, sys.argv[1], progress=False, keep_config_data=True, train_data=train, callback=kill)
"""


def test_a_run_killed_with_sigkill_resumes_to_the_weights_of_an_uninterrupted_run(tmp_path):
    import signal
    import subprocess
    import sys

    folder = tmp_path / "killed"
    done = subprocess.run([sys.executable, "-c", KILLED_RUN, str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert read_checkpoint(folder)["epoch"] == 1  # killed right after epoch 1's checkpoint
    g = torch.Generator().manual_seed(5)
    train = SimpleNamespace(x=torch.rand(64, 1, 6, 6, generator=g), y=torch.randint(3, (64,), generator=g), num_classes=3)
    cfg = TrainConfig(model="mlp", strategy="cutmix", optimizer="adam", lr=1e-3, epochs=3, batch_size=16)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in the killed process: reductions are ordered by the thread count
    try:
        resumed = fit(cfg, folder, resume=True, progress=False, keep_config_data=True, train_data=train)
        straight = fit(cfg, tmp_path / "straight", progress=False, keep_config_data=True, train_data=train)
    finally:
        torch.set_num_threads(threads)
    assert resumed.resumed_epochs == 1
    for key, value in weights(tmp_path / "straight").items():
        assert torch.equal(value, weights(folder)[key])
    timing = {"seconds", "train_seconds", "mix_seconds"}
    strip = lambda records: [{k: v for k, v in r.items() if k not in timing} for r in records]  # noqa: E731
    assert strip(resumed.metrics["epochs"]) == strip(straight.metrics["epochs"])
