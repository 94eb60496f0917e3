"""The results store: every experiment writes its result here, checks and figures read it back.

One JSON file per (experiment, preset, seed, config):

    results/<experiment>/<preset>/seed<seed>-<hash>.json,   hash = sha256(canonical JSON of config)[:12]

holding ``{"experiment", "preset", "seed", "config", "config_hash", "data", "provenance"}`` where
provenance records the git commit, the versions, the machine and the wall time. ``fetch`` reuses a
stored result whose config hash matches (a resumable run skips finished work) and computes, then
stores, the rest; ``rerun=True`` recomputes. Writes are atomic (``msda_theory.io``).
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from msda_theory.io import dumps, read_json, write_json_atomic

DEFAULT_ROOT = Path("results")


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``config`` (sorted keys), first 12 hex digits."""
    text = json.dumps(json.loads(dumps(config)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def provenance(wall_seconds: float) -> dict[str, Any]:
    """Git commit, versions, machine and wall time of a result computed now."""
    from msda_theory import __version__

    return {
        "git_commit": _git_commit(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"msda_theory": __version__, "python": platform.python_version(), "torch": torch.__version__,
                     "numpy": np.__version__},
        "machine": {"arch": platform.machine(), "system": f"{platform.system()} {platform.release()}",
                    "torch_threads": torch.get_num_threads(), "device": "cpu"},
        "wall_seconds": wall_seconds,
    }


@dataclass(frozen=True)
class StoredResult:
    """One stored result: its key, the experiment's plain ``data`` dict and its provenance."""

    experiment: str
    preset: str
    seed: int
    config: dict[str, Any]
    config_hash: str
    data: dict[str, Any]
    provenance: dict[str, Any]
    reused: bool = False


def _check_key(experiment: str, preset: str, seed: int) -> None:
    for name, value in (("experiment", experiment), ("preset", preset)):
        if not isinstance(value, str) or not value or not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"{name} must be a non-empty name of letters, digits, '-' or '_', got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


class ResultStore:
    """JSON results under ``root`` (default ``results/``), keyed by experiment, preset, seed and config hash."""

    def __init__(self, root: str | Path = DEFAULT_ROOT) -> None:
        self.root = Path(root)
        self.fresh: set[Path] = set()  # written by this store object: a rerun recomputes each key once

    def path(self, experiment: str, preset: str, seed: int, config: dict[str, Any]) -> Path:
        """results/<experiment>/<preset>/seed<seed>-<hash>.json."""
        _check_key(experiment, preset, seed)
        return self.root / experiment / preset / f"seed{seed}-{config_hash(config)}.json"

    def load(self, experiment: str, preset: str, seed: int, config: dict[str, Any]) -> StoredResult | None:
        """The stored result of this key, or None (missing, unreadable, or stored with another config)."""
        target = self.path(experiment, preset, seed, config)
        if not target.is_file():
            return None
        try:
            raw = read_json(target)
        except (OSError, ValueError):
            return None
        if raw.get("config_hash") != config_hash(config):
            return None
        return StoredResult(raw["experiment"], raw["preset"], raw["seed"], raw["config"], raw["config_hash"],
                            raw["data"], raw["provenance"], reused=True)

    def save(self, experiment: str, preset: str, seed: int, config: dict[str, Any], data: dict[str, Any],
             wall_seconds: float) -> StoredResult:
        """Write the result atomically (non-finite floats as null) and return it."""
        target = self.path(experiment, preset, seed, config)
        result = StoredResult(experiment, preset, seed, config, config_hash(config), data, provenance(wall_seconds))
        write_json_atomic(target, {k: getattr(result, k) for k in
                                   ("experiment", "preset", "seed", "config", "config_hash", "data", "provenance")},
                          nonfinite="null")
        return StoredResult(**{**result.__dict__, "data": read_json(target)["data"]})

    def fetch(self, experiment: str, preset: str, seed: int, config: dict[str, Any],
              compute: Callable[[], dict[str, Any]], *, rerun: bool = False) -> StoredResult:
        """The stored result if its config hash matches and not ``rerun``; else ``compute()``, stored.

        With ``rerun`` a key is recomputed once per store object (a second check reading it reuses it)."""
        if not rerun or self.path(experiment, preset, seed, config) in self.fresh:
            stored = self.load(experiment, preset, seed, config)
            if stored is not None:
                return stored
        start = time.perf_counter()
        data = compute()
        self.fresh.add(self.path(experiment, preset, seed, config))
        return self.save(experiment, preset, seed, config, data, time.perf_counter() - start)


__all__ = ["DEFAULT_ROOT", "ResultStore", "StoredResult", "config_hash", "provenance"]
