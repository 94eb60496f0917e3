"""How ``decompose`` estimates and what it may spend: ``DecomposeSettings``, validated in one place.

The estimation choices (estimator, weights, n_masks, partners, weight_samples) and the execution
budget (batch_size, memory_budget) travel as one frozen object; ``with_overrides`` applies keyword
overrides (``estimator="direct"``, ``n_masks=8``, ...) to it, and ``check_options`` validates it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import Tensor

from msda_theory.regularizers.direct import PARTNER_MODES
from msda_theory.regularizers.stream import DEFAULT_BUDGET
from msda_theory.weights import METHODS as WEIGHT_METHODS
from msda_theory.overrides import with_overrides as overriding

ESTIMATORS = ("auto", "moment", "direct")


@dataclass(frozen=True)
class DecomposeSettings:
    """The estimation choices and the execution budget of ``decompose`` (its docstring says what each does)."""

    estimator: str = "auto"
    weights: str = "exact"
    n_masks: int | str = 64
    partners: str = "sample"
    weight_samples: int = 4096
    batch_size: int = 2048
    memory_budget: int = DEFAULT_BUDGET


def with_overrides(settings: DecomposeSettings | None, overrides: dict[str, Any]) -> DecomposeSettings:
    """``settings`` (default ``DecomposeSettings()``) with the fields named in ``overrides`` replaced (``overrides.with_overrides``:
    a keyword wins over the settings' field; TypeError on an unknown one)."""
    return overriding(DecomposeSettings, settings, overrides, "decompose settings")


def check_options(sampler: Any, settings: DecomposeSettings) -> None:
    """Raise ValueError on settings ``decompose`` does not know (for ``sampler``, the mask law)."""
    if settings.estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {settings.estimator!r}")
    if settings.weights not in WEIGHT_METHODS:
        raise ValueError(f"weights must be one of {WEIGHT_METHODS}, got {settings.weights!r}")
    if settings.partners not in PARTNER_MODES:
        raise ValueError(f"partners must be one of {PARTNER_MODES}, got {settings.partners!r}")
    n_masks = settings.n_masks
    if n_masks == "all":
        if not isinstance(getattr(sampler, "masks", None), Tensor):
            raise ValueError("n_masks='all' enumerates a finite mask law: pass a MaskSet")
    elif isinstance(n_masks, bool) or not isinstance(n_masks, int) or n_masks < 1:
        raise ValueError(f"n_masks must be a positive integer or 'all', got {n_masks!r}")
    _check_count(settings.batch_size, "batch_size must be a positive integer")
    _check_count(settings.memory_budget, "memory_budget must be a positive number of bytes")


def _check_count(value: Any, message: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{message}, got {value!r}")
