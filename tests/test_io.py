"""Output paths are judged before any work, and a failed write names the file that was asked for."""
from __future__ import annotations

import errno
import os
import pickle
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from msda_theory import io as toolkit_io
from msda_theory.io import check_output_path, naming_target, save_torch_atomic, torch_save, write_json_atomic


def fake_statvfs(*, read_only: bool = False, free: int = 100, blocks: int = 1000):
    """An ``os.statvfs`` stand-in reporting the given flag and block counts for every folder."""
    stats = SimpleNamespace(f_flag=os.ST_RDONLY if read_only else 0, f_bfree=free, f_bavail=free, f_blocks=blocks)
    return lambda path: stats


@pytest.mark.parametrize("folder", [False, True])
def test_a_dangling_symlink_is_refused_naming_its_target(folder: bool, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing" / "place")
    expected = f"--out {link} is a dangling symbolic link (to {tmp_path}/missing/place)"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        check_output_path(link, flag="--out", folder=folder)


def test_a_symlink_loop_is_refused_as_dangling(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(ValueError, match="is a dangling symbolic link"):
        check_output_path(tmp_path / "a", flag="--json")


def test_a_symlink_to_an_existing_folder_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert check_output_path(tmp_path / "link", flag="--out", folder=True) == tmp_path / "link"


def test_a_read_only_file_system_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolkit_io.os, "statvfs", fake_statvfs(read_only=True))
    expected = f"--results {tmp_path}/r cannot be written: {tmp_path} is on a read-only file system"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        check_output_path(tmp_path / "r", flag="--results", folder=True)


def test_a_full_file_system_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolkit_io.os, "statvfs", fake_statvfs(free=0))
    expected = f"--json {tmp_path}/x.json cannot be written: no space left on device ({tmp_path})"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        check_output_path(tmp_path / "x.json", flag="--json")


def test_a_file_system_reporting_no_blocks_is_not_judged_full(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Some FUSE mounts report zero for every count; refusing them would refuse a working disk."""
    monkeypatch.setattr(toolkit_io.os, "statvfs", fake_statvfs(free=0, blocks=0))
    assert check_output_path(tmp_path / "x.json", flag="--json") == tmp_path / "x.json"


@pytest.mark.parametrize("code", sorted(toolkit_io.DISK_ERRNOS))
def test_a_storage_failure_names_the_target_not_the_temporary_file(code: int, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def full(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))  # what a failed write() raises: no file name

    monkeypatch.setattr(Path, "write_text", full)
    target = tmp_path / "out.json"
    with pytest.raises(OSError) as failed:
        write_json_atomic(target, {"a": 1})
    assert (failed.value.errno, failed.value.filename) == (code, str(target))
    assert failed.value.strerror == toolkit_io.DISK_ERRNOS[code]
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone


def test_other_os_errors_pass_unchanged() -> None:
    with pytest.raises(PermissionError, match="denied"):
        with naming_target("x"):
            raise PermissionError(errno.EACCES, "denied", "y")


class FullAfter:
    """A binary file on a disk that fills up after ``room`` bytes."""

    def __init__(self, path: str, mode: str, room: int = 100) -> None:
        self.handle, self.room = open(path, mode), room

    def write(self, data: bytes) -> int:
        if self.handle.tell() + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.handle.write(data)

    def flush(self) -> None:
        self.handle.flush()

    def __enter__(self) -> "FullAfter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def test_a_failed_write_under_torch_save_is_its_oserror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch's writer reports the failure as RuntimeError('... unexpected pos ...'); the OSError is kept."""
    monkeypatch.setattr(toolkit_io, "open", FullAfter, raising=False)
    with pytest.raises(OSError, match="no space left on device") as failed:
        save_torch_atomic(tmp_path / "c.pt", {"w": torch.ones(1000)})
    assert (failed.value.errno, failed.value.filename) == (errno.ENOSPC, str(tmp_path / "c.pt"))
    assert list(tmp_path.iterdir()) == []


def test_other_torch_errors_pass_unchanged(tmp_path: Path) -> None:
    with pytest.raises((RuntimeError, TypeError, AttributeError, pickle.PicklingError)):
        torch_save({"f": lambda: 0}, tmp_path / "c.pt")  # a lambda does not pickle


def test_torch_payloads_load_back(tmp_path: Path) -> None:
    payload = {"w": torch.arange(6.0).reshape(2, 3), "n": 3, "s": "x"}
    save_torch_atomic(tmp_path / "c.pt", payload)
    loaded = torch.load(tmp_path / "c.pt", weights_only=True)
    assert torch.equal(loaded["w"], payload["w"]) and (loaded["n"], loaded["s"]) == (3, "x")
