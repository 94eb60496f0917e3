"""Two writers, one lock: a run folder held by another process refuses a second ``train`` at once."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import assert_clean_error, run_cli, snapshot

HOLDER = """
import sys, time
from pathlib import Path
from msda_theory.train.runfolder import run_lock
with run_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    sys.stdin.readline()  # hold the lock until the test writes a line
"""


@pytest.fixture
def held(tmp_path: Path):
    """A second process holding the lock on tmp_path/run; released when the fixture ends."""
    folder = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield folder
    finally:
        holder.communicate("release\n", timeout=60)


def test_a_second_writer_gets_one_line_and_exit_2(held: Path, tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    argv = ["train", "--model", "linear", "--epochs", "1", "--subset", "32", "--no-progress", "--out", str(held)]
    before = snapshot(tmp_path)
    result = run_cli(argv)
    assert_clean_error(result, before, snapshot(tmp_path), "is in use by another process")
    sweep = run_cli(["sweep", "--model", "linear", "--epochs", "1", "--subset", "32", "--strategies", "none",
                     "--seeds", "0", "--out", str(tmp_path / "sweep")])
    assert sweep.status == 0, sweep.err  # an unrelated folder is not blocked


def test_the_lock_is_released_with_its_holder(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    folder = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2])
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()  # a killed writer's lock goes with it (the kernel closes its descriptor)
    holder.wait(timeout=60)
    result = run_cli(["train", "--model", "linear", "--epochs", "1", "--subset", "32", "--no-progress",
                      "--out", str(folder)])
    assert result.status == 0, result.err
