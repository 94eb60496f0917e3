"""The stored form of per-image results, shared by the experiment that writes them and the checks and figures
that read them: per-image 0/1 correctness as a string of '0' and '1', and units grouped by strategy."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch


def encode(correct: torch.Tensor) -> str:
    """Per-image 0/1 correctness as a string of '0' and '1'."""
    return "".join("1" if c else "0" for c in correct.tolist())


def decode(bits: str) -> np.ndarray:
    """The 0/1 array (float64) of an ``encode``d string."""
    return (np.frombuffer(bits.encode(), dtype=np.uint8) - ord("0")).astype(np.float64)


def by_strategy(units: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Stored units grouped by strategy (vanilla 'none' first), each list in seed order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for u in sorted(units, key=lambda u: (u["strategy"] != "none", u["seed"])):
        out.setdefault(u["strategy"], []).append(u)
    return out


__all__ = ["by_strategy", "decode", "encode"]
