"""Ctrl-C in every long command: one stderr line ``msda-theory CMD: interrupted``, exit status 130, no
worker left running, nothing half-written, and a resume afterwards gives what an uninterrupted run gives.

Each command runs in its own session and gets SIGINT on its whole process group, as a terminal's Ctrl-C
does (workers included). The runs are tiny (digits, a linear model, small sizes); the ones with worker
processes are marked slow, their light twins are in tests/test_workers.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

import pytest
import torch

from conftest import OUTCOMES, run_cli
from msda_theory.train import read_checkpoint
from msda_theory.train.checkpoint import STAGING

psutil = pytest.importorskip("psutil")

ROOT = str(Path(__file__).resolve().parents[2])
TRAIN = ["--data", "digits", "--model", "linear", "--subset", "64", "--test-subset", "32", "--batch-size", "32",
         "--threads", "1"]
LAUNCH = ("import sys; from pathlib import Path; from msda_theory.cli import build_parser, main; build_parser(); "
          "Path(sys.argv[1]).touch(); sys.exit(main(sys.argv[2:]))")  # the marker: the subcommands are imported


class Command:
    """``msda-theory ARGV`` in its own session, with a marker file touched once its imports are done (so that
    a signal sent a moment later lands in the command's work, not in the start-up)."""

    def __init__(self, argv: Sequence[str], tmp: Path) -> None:
        self.marker = tmp / "started"
        self.proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(self.marker), "-q", *argv],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     start_new_session=True, env={**os.environ, "PYTHONPATH": ROOT})
        self.children: list[int] = []

    def started(self, seconds: float) -> Callable[[], bool]:
        """A readiness test: the imports are done and ``seconds`` have passed since."""
        return lambda: self.marker.exists() and time.time() - self.marker.stat().st_mtime > seconds

    def signal_when(self, ready: Callable[[], bool], sig: int = signal.SIGINT, *, group: bool = True,
                    timeout: float = 240) -> tuple[int, str]:
        """Wait for ``ready()``, send ``sig`` (to the process group), return (exit status, stderr)."""
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.proc.poll() is None, f"ended before the signal: {self.proc.communicate()}"
            assert time.monotonic() < deadline, "never became ready"
            time.sleep(0.05)
        assert self.proc.poll() is None, "finished before the signal: make the run longer"
        self.children = [c.pid for c in psutil.Process(self.proc.pid).children(recursive=True)]
        (os.killpg if group else os.kill)(self.proc.pid, sig)
        try:
            _, err = self.proc.communicate(timeout=60)
        finally:
            os.killpg(self.proc.pid, signal.SIGKILL) if self.proc.poll() is None else None
        return self.proc.returncode, err

    def running_children(self, within: float = 5.0) -> list[int]:
        """The children seen before the signal that still run after ``within`` seconds."""
        deadline = time.monotonic() + within
        alive = self.children
        while alive and time.monotonic() < deadline:
            time.sleep(0.1)
            alive = [p for p in alive if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        return alive


def assert_interrupted(status: int, err: str, command: str) -> None:
    """Exit 130 and exactly the one line; counted in the fuzz summary."""
    clean = status == 130 and err.splitlines() == [f"msda-theory {command}: interrupted"]
    OUTCOMES.append("clean" if clean else ("traceback" if "Traceback" in err else "other"))
    assert clean, (status, err[-3000:])


def staged(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if STAGING.match(p.name))


def model_weights(folder: Path) -> dict[str, torch.Tensor]:
    return read_checkpoint(folder)["model"]


def test_train_interrupted_then_resumed_matches_a_straight_run(tmp_path: Path) -> None:
    argv = ["train", *TRAIN, "--epochs", "20", "--strategy", "mixup"]
    run = tmp_path / "run"
    command = Command([*argv, "--out", str(run)], tmp_path)
    status, err = command.signal_when(lambda: (run / "checkpoint.pt").exists())
    assert_interrupted(status, err, "train")
    done = read_checkpoint(run)["epoch"]
    assert 1 <= done < 20 and staged(run) == []
    assert run_cli([*argv, "--out", str(run), "--resume", "--no-progress"]).status == 0
    assert run_cli([*argv, "--out", str(tmp_path / "straight"), "--no-progress"]).status == 0
    resumed, straight = model_weights(run), model_weights(tmp_path / "straight")
    assert all(torch.equal(resumed[k], straight[k]) for k in straight)


def test_sweep_with_one_job_interrupted_then_finished(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", *TRAIN, "--epochs", "15", "--strategies", "none,mixup", "--seeds", "0", "--out", str(out)]
    command = Command(argv, tmp_path)
    status, err = command.signal_when(lambda: any(out.rglob("checkpoint.pt")))
    assert_interrupted(status, err, "sweep")
    assert staged(out) == [] and not (out / "results.json").exists()
    finished = run_cli(argv)
    assert finished.status == 0 and (out / "results.json").is_file(), finished.err


@pytest.mark.parametrize("name, argv", [
    ("weights", ["weights", "--strategy", "cutmix", "--size", "24x24", "--method", "mc", "--samples", "100000000"]),
    ("decompose", ["decompose", "--strategy", "mixup", "--subset", "64", "--n-masks", "100000"]),
])
def test_a_computation_interrupted_writes_nothing(name: str, argv: list[str], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    command = Command([*argv, "--json", str(out)], tmp_path)
    status, err = command.signal_when(command.started(1.0))
    assert_interrupted(status, err, name)
    assert sorted(tmp_path.iterdir()) == [tmp_path / "started"]


def check_argv(tmp: Path, jobs: int) -> list[str]:
    return ["check", "--preset", "tiny", "--only", "8b", "--jobs", str(jobs), "--results", str(tmp / "results"),
            "--out", str(tmp / "ledger.md"), "--figures-dir", str(tmp / "figures")]


def test_check_interrupted_writes_no_ledger(tmp_path: Path) -> None:
    command = Command(check_argv(tmp_path, 1), tmp_path)
    status, err = command.signal_when(command.started(1.0))
    assert_interrupted(status, err, "check")
    assert not (tmp_path / "ledger.md").exists() and staged(tmp_path) == []


@pytest.mark.slow
def test_check_with_two_workers_interrupted_stops_them(tmp_path: Path) -> None:
    command = Command(check_argv(tmp_path, 2), tmp_path)
    proc = command.proc
    status, err = command.signal_when(lambda: len(psutil.Process(proc.pid).children()) >= 2 and command.started(3.0)())
    assert_interrupted(status, err, "check")
    assert command.running_children() == [] and not (tmp_path / "ledger.md").exists()


def two_job_sweep(tmp: Path) -> tuple[list[str], Path]:
    out = tmp / "sweep"
    return ["sweep", *TRAIN, "--epochs", "300", "--strategies", "none,mixup", "--seeds", "0", "--jobs", "2",
            "--out", str(out)], out


@pytest.mark.slow
@pytest.mark.parametrize("group", [True, False], ids=["ctrl-c", "sigint-to-parent"])
def test_sweep_with_two_jobs_interrupted_stops_its_workers(group: bool, tmp_path: Path) -> None:
    argv, out = two_job_sweep(tmp_path)
    command = Command(argv, tmp_path)
    status, err = command.signal_when(lambda: any(out.rglob("checkpoint.pt")), group=group)
    assert_interrupted(status, err, "sweep")
    assert len(command.children) >= 2 and command.running_children() == []
    assert not (out / "results.json").exists()


@pytest.mark.slow
def test_kill_9_of_a_two_job_sweep_leaves_no_worker(tmp_path: Path) -> None:
    argv, out = two_job_sweep(tmp_path)
    command = Command(argv, tmp_path)
    command.signal_when(lambda: any(out.rglob("checkpoint.pt")), signal.SIGKILL, group=False)
    assert len(command.children) >= 2
    assert command.running_children(within=10.0) == []
