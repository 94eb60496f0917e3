"""A small JSON cache in the output folder, so that figures reuse the numbers a check computed.

``save(out_dir, name, quick, payload)`` writes out_dir/probe_cache/<name>_<quick|full>.json;
``load`` returns it or None.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from msda_theory.io import write_json_atomic


def path(out_dir: Path | str, name: str, quick: bool) -> Path:
    return Path(out_dir) / "probe_cache" / f"{name}_{'quick' if quick else 'full'}.json"


def save(out_dir: Path | str, name: str, quick: bool, payload: dict[str, Any]) -> Path:
    """Write the payload as JSON (non-finite floats become null)."""
    target = path(out_dir, name, quick)
    return write_json_atomic(target, payload, nonfinite="null")


def load(out_dir: Path | str, name: str, quick: bool) -> dict[str, Any] | None:
    target = path(out_dir, name, quick)
    if not target.is_file():
        return None
    try:
        return json.loads(target.read_text())
    except (OSError, json.JSONDecodeError):
        return None
