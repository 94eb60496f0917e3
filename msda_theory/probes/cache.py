"""A small JSON cache in the output folder, so that figures reuse the numbers a check computed.

``save(out_dir, name, quick, payload)`` writes out_dir/probe_cache/<name>_<quick|full>.json;
``load`` returns it or None.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch


def _jsonable(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value


def path(out_dir: Path | str, name: str, quick: bool) -> Path:
    return Path(out_dir) / "probe_cache" / f"{name}_{'quick' if quick else 'full'}.json"


def save(out_dir: Path | str, name: str, quick: bool, payload: dict[str, Any]) -> Path:
    """Write the payload as JSON (infinite floats become strings via allow_nan)."""
    target = path(out_dir, name, quick)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(_jsonable(payload), indent=1) + "\n")
    return target


def load(out_dir: Path | str, name: str, quick: bool) -> dict[str, Any] | None:
    target = path(out_dir, name, quick)
    if not target.is_file():
        return None
    try:
        return json.loads(target.read_text())
    except (OSError, json.JSONDecodeError):
        return None
