"""Run folders that cannot be mixed: an exclusive lock per folder and a fingerprint of the data trained on.

- ``run_lock(folder)``: ``fcntl.flock(LOCK_EX | LOCK_NB)`` on ``folder/.lock``,
  held for the whole run; a second writer gets a one-line ValueError at once.
- ``data_fingerprint(task)``: counts, shapes and the SHA-256 of the train and
  test tensors (after class selection and subsetting), stored in the
  checkpoint and metrics.json; a resume whose data differ is refused, and
  ``verify_run_data`` refuses to evaluate a loaded run on changed data.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any, Iterator

import torch

from msda_theory.train.config import TrainConfig
from msda_theory.train.task import Task, prepare_task

LOCK = ".lock"
STREAMED = "unavailable (streamed from a DataLoader)"
"""The data fingerprint's sha256 of a run on a streaming loader."""


class RunMismatchError(ValueError):
    """A run folder holds a run of another config or other data than the one asked for."""


def tensor_sha256(*tensors: torch.Tensor | None) -> str:
    """SHA-256 over the dtype, shape and bytes (C order, CPU) of each tensor in turn."""
    digest = hashlib.sha256()
    for t in tensors:
        if t is None:
            digest.update(b"none")
            continue
        t = t.detach().cpu().contiguous()
        digest.update(f"{t.dtype}{tuple(t.shape)}".encode())
        digest.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return digest.hexdigest()


def data_fingerprint(task: Task) -> dict[str, Any]:
    """{n_train, n_test, in_shape, num_classes, sha256} of the tensors a run trains and tests on.

    A run that streams a split from a DataLoader has nothing to hash: its sha256 says so (``STREAMED``).
    """
    sha = STREAMED if task.streamed else tensor_sha256(task.x_train, task.y_train, task.x_test, task.y_test)
    return {"n_train": task.n_train, "n_test": task.n_test, "in_shape": list(task.in_shape),
            "num_classes": task.num_classes, "sha256": sha}


def check_fingerprint(stored: dict[str, Any] | None, current: dict[str, Any], folder: Path | str,
                      action: str = "resume") -> None:
    """Refuse to ``action`` a run whose stored data fingerprint differs from the data loaded now."""
    if stored != current:
        fields = sorted(k for k in current if (stored or {}).get(k) != current[k])
        raise RunMismatchError(f"cannot {action} {folder}: the data differ from those it was trained on "
                               f"(fingerprint fields {fields})")


def verify_run_data(state: dict[str, Any], config: TrainConfig, source: str) -> None:
    """Load a checkpoint's data again and compare fingerprints (runs on in-memory data, or without one, are skipped)."""
    task = state.get("task")
    if not isinstance(task, dict) or task.get("source") != "loaded" or state.get("data") is None:
        return
    check_fingerprint(state["data"], data_fingerprint(prepare_task(config)), source, action="evaluate")


@contextlib.contextmanager
def run_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (creating it) for the body; a second holder is refused at once."""
    folder.mkdir(parents=True, exist_ok=True)
    handle = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(f"run folder {folder} is in use by another process (locked: {folder / LOCK})") from None
        yield
    finally:
        os.close(handle)  # closing releases the lock


__all__ = ["LOCK", "RunMismatchError", "check_fingerprint", "data_fingerprint", "run_lock", "tensor_sha256",
           "verify_run_data"]
