"""Run folders: ``checkpoint.pt`` and ``metrics.json``, written atomically after every epoch.

A run folder holds

- ``checkpoint.pt``: a dict of tensors, dicts, lists, numbers and strings only,
  so that ``torch.load(path, weights_only=True)`` reads it: ``model`` (state
  dict), ``optimizer`` (state dict), ``generators`` (name -> uint8 state
  tensor), ``epoch`` (finished epochs), ``records`` (one dict per finished
  epoch), ``config`` (``TrainConfig.to_dict()``), ``task`` (in_shape,
  num_classes, outputs, ...), ``format``;
- ``metrics.json``: the resolved config, the task and, under ``epochs``, the
  same per-epoch records.

Both are written to a temporary file in the same folder and renamed over the
old one (``os.replace`` is atomic on POSIX), so a run killed at any point
leaves the last complete epoch readable.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from msda_theory.io import save_torch_atomic as save_atomic, write_json_atomic, write_text_atomic
from msda_theory.models import build
from msda_theory.train.config import TrainConfig

CHECKPOINT = "checkpoint.pt"
METRICS = "metrics.json"
FORMAT = 1


def checkpoint_path(path: str | os.PathLike) -> Path:
    """``path`` itself if it is a file, else ``path / 'checkpoint.pt'``."""
    path = Path(path)
    return path / CHECKPOINT if path.is_dir() else path


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The raw checkpoint dict of a run folder or checkpoint file, read with ``weights_only=True``."""
    file = checkpoint_path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no checkpoint at {file}")
    state = torch.load(file, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{file} is not a msda_theory checkpoint (format {FORMAT})")
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


def model_from_state(state: dict[str, Any]) -> tuple[nn.Module, TrainConfig]:
    """Rebuild the model of a checkpoint dict (CPU, eval mode) and its config."""
    config = TrainConfig.from_dict(state["config"])
    task = state["task"]
    model = build(config.model, tuple(task["in_shape"]), int(task["outputs"]), activation=config.activation)
    model.load_state_dict(state["model"])
    return model.eval(), config


def load_checkpoint(path: str | os.PathLike) -> tuple[nn.Module, TrainConfig]:
    """The trained model (CPU, eval mode) and config stored in a run folder or ``checkpoint.pt``."""
    return model_from_state(read_checkpoint(path))


__all__ = [
    "CHECKPOINT", "METRICS", "checkpoint_path", "is_finished", "load_checkpoint", "model_from_state",
    "read_checkpoint", "read_metrics", "save_atomic", "write_json_atomic", "write_text_atomic",
]
