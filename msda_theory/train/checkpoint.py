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

Every read of a checkpoint turns load, key, shape and state-dict errors into
one ``ValueError`` naming the file.
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from msda_theory.io import (
    AllocationError, check_allocation, save_torch_atomic as save_atomic, sha256_file, write_json_atomic, write_text_atomic,
)
from msda_theory.models import build
from msda_theory.train.config import CUSTOM, FACTORY, TrainConfig
from msda_theory.train.origin import make_model

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

    The state is serialized once, in memory: its hash comes from those bytes and one write puts them
    in the file. The previous checkpoint's hash is the one this process wrote, while the file is still
    the one it left (same inode, size and time stamp); otherwise it is read and hashed.
    """
    file = run_dir / CHECKPOINT
    tmp = run_dir / f".{CHECKPOINT}.{os.getpid()}.new"
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getbuffer()
    digest = hashlib.sha256(data).hexdigest()
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        hashes = [digest] + ([_file_hash(file)] if file.is_file() else [])
        write_text_atomic(run_dir / CHECKSUM, "\n".join(hashes) + "\n")
        os.replace(tmp, file)
        _WRITTEN[file] = (_signature(file), digest)
    finally:
        if tmp.exists():
            tmp.unlink()
    return file


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


def _load_reason(err: Exception) -> str:
    """The informative part of a torch.load error, on one line (the weights-only refusal names the global)."""
    text = " ".join(str(err).split())
    marker = "WeightsUnpickler error:"
    if marker in text:
        text = text[text.index(marker):].split(". ")[0]
    return f"{type(err).__name__}: {text}"[:200]


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict of a run folder or checkpoint file, checksum-verified, read with ``weights_only=True``."""
    file = checkpoint_path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no checkpoint at {file}")
    verify_checksum(file)
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except Exception as err:  # truncated, empty or random bytes raise many types
        raise ValueError(f"cannot read checkpoint {file} (truncated, damaged or not a torch file): "
                         f"{_load_reason(err)}") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{file} is not a msda_theory checkpoint (format {FORMAT})")
    missing = [key for key in REQUIRED_KEYS if key not in state]
    if missing:
        raise ValueError(f"checkpoint {file} lacks the entries {missing}")
    return state


def read_metrics(run_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The parsed ``metrics.json`` of a run folder, or None if it is absent or unreadable."""
    file = Path(run_dir) / METRICS
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError):
        return None


def is_finished(run_dir: str | os.PathLike) -> bool:
    """True when ``metrics.json`` holds one record per configured epoch."""
    metrics = read_metrics(run_dir)
    try:
        return metrics is not None and len(metrics["epochs"]) >= int(metrics["config"]["epochs"])
    except (KeyError, TypeError, ValueError):
        return False


def _task_shape(task: Any) -> tuple[tuple[int, int, int], int]:
    """(in_shape, outputs) of a checkpoint's task entry, checked: three positive ints and a positive int."""
    try:
        in_shape = tuple(int(v) for v in task["in_shape"])
        outputs = int(task["outputs"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ValueError("its task entry needs in_shape (C, H, W) and outputs") from None
    if len(in_shape) != 3 or min(in_shape) < 1 or outputs < 1:
        raise ValueError(f"its task has in_shape {in_shape} and outputs {outputs}; expected positive sizes")
    return in_shape, outputs  # type: ignore[return-value]


def _build_within_cap(config: TrainConfig, in_shape: tuple[int, int, int], outputs: int) -> nn.Module:
    """The model, after counting its parameters on the meta device against ``MAX_ALLOC_BYTES`` (float32)."""
    with torch.device("meta"):
        shadow = build(config.model, in_shape, outputs, activation=config.activation)
    n = sum(p.numel() for p in shadow.parameters())
    check_allocation(4 * n, f"a {config.model} with in_shape {in_shape} and {outputs} outputs ({n:,} parameters)")
    return build(config.model, in_shape, outputs, activation=config.activation)


def _rebuild(config: TrainConfig, in_shape: tuple[int, int, int], outputs: int, model: nn.Module | None) -> nn.Module:
    """The module to load weights into: the caller's, a factory's (``factory:`` in the config) or a built-in one."""
    if model is not None:
        if not isinstance(model, nn.Module):
            raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
        return model
    if config.model.startswith((CUSTOM, FACTORY)):
        return make_model(config, in_shape, outputs)  # factory: rebuilt; custom: a ValueError asking for model=
    return _build_within_cap(config, in_shape, outputs)


def model_from_state(state: dict[str, Any], source: str = "checkpoint", *,
                     model: nn.Module | None = None) -> tuple[nn.Module, TrainConfig]:
    """Rebuild the model of a checkpoint dict (CPU, eval mode) and its config; errors name ``source``.

    ``model``: a module to load the weights into (needed for a ``custom:`` model; a factory model is rebuilt).
    """
    try:
        if not isinstance(state.get("config"), dict):
            raise ValueError("its config entry is not a dict")
        config = TrainConfig.from_dict(state["config"])
        in_shape, outputs = _task_shape(state.get("task"))
        if math.prod(in_shape) > 2**40:
            raise ValueError(f"its task has an absurd in_shape {in_shape}")
        module = _rebuild(config, in_shape, outputs, model)
        module.load_state_dict(state["model"])
    except AllocationError:
        raise
    except (ValueError, TypeError, KeyError, RuntimeError, AttributeError) as err:
        reason = " ".join(str(err).split())[:300]
        raise ValueError(f"cannot rebuild the model of {source}: {reason}") from None
    return module.eval(), config


def load_checkpoint(path: str | os.PathLike, *, model: nn.Module | None = None) -> tuple[nn.Module, TrainConfig]:
    """The trained model (CPU, eval mode) and config stored in a run folder or ``checkpoint.pt``.

    A user's model (config ``model`` = ``custom:<class>``) is loaded into ``model``, which the caller builds;
    a ``factory:`` model is rebuilt by its factory.
    """
    return model_from_state(read_checkpoint(path), str(checkpoint_path(path)), model=model)


__all__ = [
    "CHECKPOINT", "CHECKSUM", "METRICS", "checkpoint_path", "is_finished", "load_checkpoint", "model_from_state",
    "read_checkpoint", "read_metrics", "save_atomic", "verify_checksum", "write_checkpoint", "write_json_atomic",
    "write_text_atomic",
]
