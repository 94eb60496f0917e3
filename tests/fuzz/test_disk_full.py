"""Full disks, read-only mounts, files where folders belong and dangling links: one line and exit 2, before
any work where the output is named by an option, and naming the file where the disk fills up mid-run.

The real cases mount a small tmpfs (root only; skipped elsewhere); each has a twin that always runs, with
the failing write simulated (``OSError(ENOSPC)`` from the write of the temporary file).
"""
from __future__ import annotations

import errno
import shutil
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest

from conftest import assert_clean_error, run_cli, snapshot
from msda_theory import io as toolkit_io
from msda_theory.train.checkpoint import STAGING

TRAIN = ["train", "--quiet", "--data", "digits", "--model", "mlp", "--epochs", "1", "--subset", "64", "--test-subset", "32",
         "--batch-size", "32", "--no-progress", "--threads", "1"]
SMALL = ["--preset", "tiny", "--only", "1a"]


def mount_tmpfs(folder: Path, options: str) -> Path:
    """Mount a tmpfs at ``folder`` (skip the test where that is not allowed)."""
    folder.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    return folder


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, filled but for about 8 KiB (enough to start writing, too little for a checkpoint)."""
    disk = mount_tmpfs(tmp_path / "disk", "size=256k")
    try:
        filler = disk / "filler"
        with open(filler, "wb") as handle:
            try:
                handle.write(bytes(256 * 1024))
            except OSError:
                pass
        filler.write_bytes(filler.read_bytes()[:-8 * 1024])  # free 8 KiB again
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.fixture
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    disk = mount_tmpfs(tmp_path / "ro", "size=64k,ro")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def full(folder: Path) -> Path:
    """Take every free byte of ``folder``'s file system."""
    try:
        with open(folder / "rest", "wb") as handle:
            while True:
                handle.write(bytes(4096))
                handle.flush()
    except OSError as err:
        assert err.errno == errno.ENOSPC
    return folder


def test_train_onto_a_disk_that_fills_up_says_so_naming_the_checkpoint(small_disk: Path) -> None:
    before = snapshot(small_disk)
    result = run_cli([*TRAIN, "--out", str(small_disk / "run")])
    after = snapshot(small_disk) - {"run"}
    assert_clean_error(result, before, after, expect=f"no space left on device writing {small_disk}/run/checkpoint.pt")
    assert not [p for p in (small_disk / "run").iterdir() if STAGING.match(p.name)]


def test_train_when_the_checkpoint_write_fails_names_the_checkpoint(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin: the checkpoint's temporary file fills the disk after 1 KiB (torch's writer turned this into
    "RuntimeError: [enforce fail at inline_container.cc] unexpected pos")."""
    real_open = open

    class FullAfter1KiB:
        def __init__(self, path: str, mode: str) -> None:
            self.handle = real_open(path, mode)

        def write(self, data: bytes) -> int:
            if self.handle.tell() + len(data) > 1024:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.handle.write(data)

        def flush(self) -> None:
            self.handle.flush()

        def __enter__(self) -> "FullAfter1KiB":
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

    monkeypatch.setattr(toolkit_io, "open", FullAfter1KiB, raising=False)
    (tmp_path / "out").mkdir()
    before = snapshot(tmp_path / "out")
    result = run_cli([*TRAIN, "--out", str(tmp_path / "out" / "run")])
    after = snapshot(tmp_path / "out") - {"run"}
    assert_clean_error(result, before, after, expect=f"no space left on device writing {tmp_path}/out/run/checkpoint.pt")
    assert not [p for p in (tmp_path / "out" / "run").iterdir() if STAGING.match(p.name)]


CASES: dict[str, Callable[[Path], list[str]]] = {
    "check --results": lambda d: ["check", *SMALL, "--results", str(d / "results"), "--out", str(d.parent / "l.md")],
    "check --out": lambda d: ["check", *SMALL, "--out", str(d / "l.md")],
    "check --figures-dir": lambda d: ["check", *SMALL, "--figures-dir", str(d / "f"), "--out", str(d.parent / "l.md")],
    "weights --json": lambda d: ["weights", "--strategy", "mixup", "--size", "4x4", "--json", str(d / "w.json")],
    "decompose --json": lambda d: ["decompose", "--strategy", "mixup", "--json", str(d / "d.json")],
    "train --out": lambda d: [*TRAIN, "--out", str(d / "run")],
    "sweep --out": lambda d: ["sweep", "--strategies", "none", "--seeds", "0", "--out", str(d / "s")],
    "figures --results": lambda d: ["figures", "--only", "apq_heatmaps", "--out", str(d.parent / "f"), "--results",
                                    str(d / "results")],
    "masks --out": lambda d: ["masks", "--out", str(d / "m")],
    "reproduce --results": lambda d: ["reproduce", "--results", str(d / "r"), "--ledger", str(d.parent / "l.md"),
                                      "--figures-dir", str(d.parent / "f")],
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_read_only_mount_is_refused_before_any_work(name: str, read_only_disk: Path) -> None:
    before = snapshot(read_only_disk.parent)
    result = run_cli(CASES[name](read_only_disk))
    assert_clean_error(result, before, snapshot(read_only_disk.parent), expect="is on a read-only file system")
    assert "no write permission" not in result.err


@pytest.mark.parametrize("name", ["check --results", "weights --json", "train --out", "figures --results"])
def test_a_full_disk_is_refused_before_any_work(name: str, small_disk: Path) -> None:
    full(small_disk)
    before = snapshot(small_disk.parent)
    result = run_cli(CASES[name](small_disk))
    assert_clean_error(result, before, snapshot(small_disk.parent), expect="no space left on device")


@pytest.mark.parametrize("name", list(CASES))
def test_an_output_under_a_file_is_refused_before_any_work(name: str, tmp_path: Path) -> None:
    """The always-running twin of the mounts: the output's folder is a file."""
    (tmp_path / "file").write_text("x")
    before = snapshot(tmp_path)
    result = run_cli(CASES[name](tmp_path / "file"))
    assert_clean_error(result, before, snapshot(tmp_path), expect="is not a folder")


@pytest.mark.parametrize("name", list(CASES))
def test_a_dangling_link_is_refused_before_any_work(name: str, tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    argv = CASES[name](tmp_path / "home")
    flag_value = next(a for a in argv if a.startswith(str(tmp_path / "home")))  # the output under test
    Path(flag_value).symlink_to(tmp_path / "nowhere")
    before = snapshot(tmp_path)
    result = run_cli(argv)
    assert_clean_error(result, before, snapshot(tmp_path), expect=f"is a dangling symbolic link (to {tmp_path}/nowhere)")


def test_check_results_that_is_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("x")
    before = snapshot(tmp_path)
    result = run_cli(["check", *SMALL, "--results", str(tmp_path / "results"), "--out", str(tmp_path / "l.md")])
    assert_clean_error(result, before, snapshot(tmp_path), expect="is an existing file, not a folder")
