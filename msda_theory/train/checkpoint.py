"""Run folders: ``checkpoint.pt``, its checksum and ``metrics.json``, written atomically after every epoch.

A run folder holds

- ``checkpoint.pt``: a dict of tensors, dicts, lists, numbers and strings only,
  so that ``torch.load(path, weights_only=True)`` reads it: ``model`` (state
  dict), ``optimizer`` (state dict), ``generators`` (name -> uint8 state
  tensor), ``epoch`` (finished epochs), ``records`` (one dict per finished
  epoch), ``config`` (``TrainConfig.to_dict()``), ``task`` (in_shape,
  num_classes, outputs, ...), ``data`` (the data fingerprint), ``format``;
- ``checkpoint.sha256``: the SHA-256 of the new checkpoint and of the one it
  replaces, written before the rename, so that a kill between the two writes
  still verifies while a flipped byte does not;
- ``metrics.json``: the resolved config, the task, the data fingerprint and,
  under ``epochs``, the same per-epoch records (rebuilt from the checkpoint on
  resume, so it can never lag behind it).

Every read of a checkpoint turns load and key errors into one ``ValueError``
naming the file; a file holding anything but tensors and plain data is refused
for safety. Rebuilding the model of a checkpoint is ``origin.load_checkpoint``.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import torch

from msda_theory.io import (
    open_regular, save_torch_atomic as save_atomic, sha256_file, write_bytes_atomic, write_json_atomic,
    write_text_atomic,
)

CHECKPOINT = "checkpoint.pt"
CHECKSUM = "checkpoint.sha256"
METRICS = "metrics.json"
FORMAT = 1
REQUIRED_KEYS = ("format", "model", "config", "task", "records")


def checkpoint_path(path: str | os.PathLike) -> Path:
    """``path`` itself if it is a file, else ``path / 'checkpoint.pt'``."""
    path = Path(path)
    return path / CHECKPOINT if path.is_dir() else path


def write_checkpoint(run_dir: Path, state: dict[str, Any]) -> Path:
    """Save ``state`` as ``run_dir/checkpoint.pt``; the checksum file names the new and the previous hash.

    The state is serialized once, in memory: its hash comes from those bytes, which one write puts in the
    temporary file; the checksum is written before the rename (``io.write_bytes_atomic``). The previous
    checkpoint's hash is the one this process wrote, while the file is still the one it left (same inode,
    size and time stamp); otherwise it is read and hashed. A full disk or read-only folder is an OSError
    naming ``checkpoint.pt``."""
    file = run_dir / CHECKPOINT
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getbuffer()
    digest = hashlib.sha256(data).hexdigest()

    def write_checksum(tmp: Path) -> None:
        hashes = [digest] + ([_file_hash(file)] if file.is_file() else [])
        write_text_atomic(run_dir / CHECKSUM, "\n".join(hashes) + "\n")

    write_bytes_atomic(file, data, before_replace=write_checksum)
    _WRITTEN[file] = (_signature(file), digest)
    return file


STAGING = re.compile(r"^\.(?P<target>.+?)\.(?P<pid>\d+)(?:\.[0-9a-f]{16})?\.(?:new|tmp)$")
"""Names of staged writes in a run folder: the writers' ``.<name>.<pid>.<16 hex>.tmp`` (``io.temp_path``) and the
older ``.checkpoint.pt.<pid>.new`` / ``.<name>.<pid>.tmp``."""


def _pid_alive(pid: int) -> bool:
    """True when a process ``pid`` exists (possibly another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(run_dir: Path) -> list[Path]:
    """Delete the staged writes a killed run left in ``run_dir``; return them.

    A file matching ``STAGING`` is stale when its writer (the pid in its name) is this process or no
    longer runs, or when it is older than ``checkpoint.pt``. Call it while holding the folder's lock.
    """
    checkpoint = run_dir / CHECKPOINT
    since = checkpoint.stat().st_mtime if checkpoint.is_file() else None
    removed = []
    for file in sorted(run_dir.iterdir()):
        match = STAGING.match(file.name)
        if match is None or not file.is_file():
            continue
        pid = int(match["pid"])
        older = since is not None and file.stat().st_mtime < since
        if pid == os.getpid() or not _pid_alive(pid) or older:
            file.unlink(missing_ok=True)
            removed.append(file)
    return removed


_WRITTEN: dict[Path, tuple[tuple[int, int, int], str]] = {}
"""checkpoint path -> (signature, SHA-256) of the last checkpoint this process wrote there."""


def _signature(file: Path) -> tuple[int, int, int]:
    info = file.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns


def _file_hash(file: Path) -> str:
    """SHA-256 of ``file``: remembered from this process's last write when the file is unchanged, else read."""
    known = _WRITTEN.get(file)
    if known is not None and known[0] == _signature(file):
        return known[1]
    return sha256_file(file)


def verify_checksum(file: Path) -> None:
    """Check ``file`` against the ``checkpoint.sha256`` beside it (absent: a checkpoint copied alone, accepted)."""
    listing = file.parent / CHECKSUM
    if not listing.is_file():
        return
    if sha256_file(file) not in listing.read_text().split():
        raise ValueError(f"checkpoint {file} does not match its checksum in {listing} (corrupt or replaced)")


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
"""Terminal colour and style codes (torch prints some in its errors)."""


def _one_line(err: Exception) -> str:
    return " ".join(ANSI_ESCAPE.sub("", str(err)).split())


def _load_reason(err: Exception) -> str:
    """The informative part of a torch.load error, on one line, without terminal codes or torch's advice."""
    text = _one_line(err)
    if "Weights only load failed" in text:  # keep the fault, drop the advice to load the file unsafely
        found = re.search(r"WeightsUnpickler error: (.*?)(?: Check the documentation|$)", text)
        text = found.group(1).split(". Please use")[0] if found else "content the weights-only reader refuses"
    return f"{type(err).__name__}: {text}"[:200]


def _refused_global(err: Exception) -> str | None:
    """The global a weights-only load refused ('os.system'), or None when ``err`` is no such refusal."""
    text = _one_line(err)
    found = re.search(r"GLOBAL ([\w.]+)", text) if "Weights only load failed" in text else None
    return found.group(1) if found else None


def load_plain(file: Path, what: str) -> Any:
    """``torch.load(file, weights_only=True)``: tensors and plain data only; any other object is refused.

    A file holding objects other than tensors and plain data (a pickled class, a function to call) is refused
    for safety with one ValueError, never with advice to load it unsafely; other failures name the fault.
    """
    try:
        return torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, empty or random bytes raise many types
        refused = _refused_global(err)
        if refused is not None:
            raise ValueError(f"{what} holds objects other than tensors and plain data ({refused}) and is refused "
                             "for safety: such a file can run code when loaded") from None
        raise ValueError(f"cannot read {what} (truncated, damaged or not a torch file): {_load_reason(err)}") \
            from None


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict of a run folder or checkpoint file, checksum-verified, read with ``weights_only=True``."""
    file = checkpoint_path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no checkpoint at {file}")
    verify_checksum(file)
    state = load_plain(file, f"checkpoint {file}")
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{file} is not a msda_theory checkpoint (format {FORMAT})")
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise ValueError(f"checkpoint {file} lacks the entries {missing}")
    return state


def read_metrics(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The parsed ``metrics.json`` of a run folder, or None if it is absent, unreadable or no regular file (a FIFO)."""
    file = Path(run_dir) / METRICS
    try:
        with open_regular(file) as handle:  # opening a FIFO would block forever
            return json.loads(handle.read())
    except (OSError, ValueError):
        return None


def is_finished(run_dir: str | os.PathLike) -> bool:
    """True when ``metrics.json`` holds one record per configured epoch."""
    metrics = read_metrics(run_dir)
    try:
        return metrics is not None and len(metrics["epochs"]) >= int(metrics["config"]["epochs"])
    except (KeyError, TypeError, ValueError):
        return False


__all__ = [
    "CHECKPOINT", "CHECKSUM", "METRICS", "STAGING", "checkpoint_path", "is_finished", "load_plain",
    "read_checkpoint", "read_metrics", "remove_stale_staging", "save_atomic", "verify_checksum",
    "write_checkpoint", "write_json_atomic", "write_text_atomic",
]
