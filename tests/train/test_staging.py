"""A killed run's staged writes (``.checkpoint.pt.PID.new``, ``.NAME.PID.tmp``) are removed on resume, and
only those: a live writer's newer files stay."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from msda_theory.train import TrainConfig, fit, read_checkpoint
from msda_theory.train.checkpoint import STAGING, remove_stale_staging


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def touch(path: Path, mtime: float | None = None) -> Path:
    path.write_bytes(b"partial")
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def config(**overrides) -> TrainConfig:
    return TrainConfig(**{"model": "linear", "strategy": "mixup", "epochs": 2, "batch_size": 32, "lr": 0.05,
                          **overrides})


@pytest.mark.parametrize("name, target, pid", [
    (".checkpoint.pt.123.new", "checkpoint.pt", 123),
    ("..checkpoint.pt.123.new.123.tmp", ".checkpoint.pt.123.new", 123),
    (".metrics.json.77.tmp", "metrics.json", 77),
    (".checkpoint.sha256.9.tmp", "checkpoint.sha256", 9),
    (".checkpoint.pt.4321.0123456789abcdef.tmp", "checkpoint.pt", 4321),  # io.temp_path's names
    (".metrics.json.55.0123456789012345.tmp", "metrics.json", 55),  # all-digit random part
])
def test_the_staging_pattern_names_the_writer(name: str, target: str, pid: int) -> None:
    match = STAGING.match(name)
    assert match is not None and match["target"] == target and int(match["pid"]) == pid


@pytest.mark.parametrize("name", [".lock", "checkpoint.pt", ".checkpoint.pt.new", ".x.12a.tmp", "notes.123.tmp"])
def test_other_files_do_not_match(name: str) -> None:
    assert STAGING.match(name) is None


def test_only_stale_staged_writes_are_removed(tmp_path: Path) -> None:
    checkpoint = touch(tmp_path / "checkpoint.pt")
    now, dead, live = checkpoint.stat().st_mtime, dead_pid(), os.getppid()  # the parent outlives this test
    stale = [touch(tmp_path / f".checkpoint.pt.{dead}.new", now + 5),  # its writer is gone
             touch(tmp_path / f".metrics.json.{dead}.tmp", now + 5),
             touch(tmp_path / f".checkpoint.pt.{live}.new", now - 60),  # alive (or reused pid), but older
             touch(tmp_path / f".checkpoint.pt.{os.getpid()}.new", now + 5)]  # this process writes nothing now
    kept = [touch(tmp_path / f".metrics.json.{live}.tmp", now + 5),  # a live writer's newer file
            touch(tmp_path / ".lock"), touch(tmp_path / "notes.txt")]
    assert sorted(remove_stale_staging(tmp_path)) == sorted(stale)
    assert sorted(tmp_path.iterdir()) == sorted(kept + [checkpoint])


def test_resume_removes_the_leftovers_of_a_killed_run_and_gives_the_same_weights(tiny, tmp_path: Path) -> None:
    def ctrl_c(epoch: int, model: object, record: object) -> None:
        raise KeyboardInterrupt  # after the first epoch's checkpoint

    with pytest.raises(KeyboardInterrupt):
        fit(config(), tmp_path / "run", progress=False, keep_config_data=True, train_data=tiny[0], callback=ctrl_c)
    assert read_checkpoint(tmp_path / "run")["epoch"] == 1
    dead = dead_pid()
    leftovers = [touch(tmp_path / "run" / f".checkpoint.pt.{dead}.new"),
                 touch(tmp_path / "run" / f"..checkpoint.pt.{dead}.new.{dead}.tmp"),
                 touch(tmp_path / "run" / f".metrics.json.{dead}.tmp")]
    fit(config(), tmp_path / "run", resume=True, progress=False, keep_config_data=True, train_data=tiny[0])
    fit(config(), tmp_path / "straight", progress=False, keep_config_data=True, train_data=tiny[0])
    assert not any(p.exists() for p in leftovers)
    resumed, straight = read_checkpoint(tmp_path / "run")["model"], read_checkpoint(tmp_path / "straight")["model"]
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)
