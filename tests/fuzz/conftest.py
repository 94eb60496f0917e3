"""Helpers of the fuzz suite: run a subcommand in-process, snapshot folders, and count the cases.

Every case records its outcome in ``OUTCOMES``; the terminal summary prints
the counts (cases tried, clean errors, tracebacks) that the reliability issue
asks to report.
"""
from __future__ import annotations

import contextlib
import os
import io
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pytest

from msda_theory.cli import main

OUTCOMES: list[str] = []  # "clean" (one line, exit 2), "traceback", "other"


@dataclass
class CliResult:
    status: int
    out: str
    err: str
    crashed: bool


def run_cli(argv: Sequence[str]) -> CliResult:
    """``main(argv)`` with stdout and stderr captured; an escaping exception is recorded as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    crashed = False
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exit_:  # argparse
            status = int(exit_.code or 0)
        except BaseException:  # noqa: BLE001 (a traceback is exactly what the suite counts)
            crashed, status = True, -1
            err.write(traceback.format_exc())
    return CliResult(status, out.getvalue(), err.getvalue(), crashed)


def snapshot(folder: Path) -> set[str]:
    """Every path under ``folder`` except lock files (a lock file in an existing run folder is no output)."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != ".lock"}


def assert_clean_error(result: CliResult, before: set[str], after: set[str], expect: str | None = None) -> None:
    """One stderr line starting 'msda-theory', exit 2, no traceback, no file left behind; counted."""
    lines = result.err.strip().splitlines()
    clean = (not result.crashed and result.status == 2 and len(lines) == 1
             and lines[0].startswith("msda-theory") and "Traceback" not in result.err)
    OUTCOMES.append("clean" if clean else ("traceback" if result.crashed else "other"))
    if os.environ.get("FUZZ_SHOW"):
        print("LINE:", result.err.strip())
    assert clean, (result.status, result.err[-2000:])
    assert after == before, f"files left behind: {sorted(after - before)}"
    if expect is not None:
        assert expect in lines[0], lines[0]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if OUTCOMES:
        terminalreporter.write_line(
            f"fuzz: {len(OUTCOMES)} cases tried, {OUTCOMES.count('clean')} clean errors, "
            f"{OUTCOMES.count('traceback')} tracebacks, {OUTCOMES.count('other')} other failures")


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished one-epoch run (digits, linear, 64 images) to copy and damage."""
    pytest.importorskip("sklearn")
    folder = tmp_path_factory.mktemp("trained") / "run"
    result = run_cli(["train", "--data", "digits", "--model", "linear", "--epochs", "2", "--subset", "64",
                      "--test-subset", "32", "--batch-size", "32", "--out", str(folder), "--no-progress",
                      "--threads", "1"])
    assert result.status == 0, result.err
    return folder


@pytest.fixture
def run_copy(trained_run: Path, tmp_path: Path) -> Path:
    """A private copy of ``trained_run`` (without its lock file)."""
    copy = tmp_path / "inputs" / "run"
    shutil.copytree(trained_run, copy, ignore=shutil.ignore_patterns(".lock"))
    return copy
