"""What every attack takes and returns (docs/theory.md section 8).

    attack(model, x, y, eps, settings: AttackSettings) -> AttackRun

``AttackSettings`` carries the threat model S(x) (norm, bounds) and the budget
of an iterative attack (steps, step_size, restarts, random_start, generator);
an attack reads what it needs. ``AttackRun`` is its output with the trace the
sanity checks need. ``check_attack_inputs`` validates what all attacks share.
``with_overrides`` applies keyword overrides (``norm=``, ``steps=``, ...) to a settings object.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from msda_theory.attacks import threat
from msda_theory.overrides import with_overrides as overriding


@dataclass(frozen=True)
class AttackSettings:
    """The threat model and the budget of an iterative attack (validated by the attack that reads them)."""

    norm: str = "linf"
    bounds: tuple[float, float] = (0.0, 1.0)
    steps: int = 10
    step_size: float | None = None
    restarts: int = 1
    random_start: bool = True
    generator: torch.Generator | None = None


def with_overrides(settings: AttackSettings | None, overrides: dict[str, Any]) -> AttackSettings:
    """``settings`` (default ``AttackSettings()``) with the fields named in ``overrides`` replaced (``overrides.with_overrides``:
    a keyword wins over the settings' field; TypeError on an unknown one)."""
    return overriding(AttackSettings, settings, overrides, "attack settings")


@dataclass(frozen=True)
class AttackRun:
    """An attack's output and what its sanity checks need, at no extra pass.

    Attributes:
        x_adv: adversarial examples, (B, ...) like x, detached.
        zero_grad: (B,) bool, True where the first step's input gradient was exactly zero.
    """

    x_adv: torch.Tensor
    zero_grad: torch.Tensor


def check_attack_inputs(
    x: torch.Tensor, y: torch.Tensor, eps: float, norm: str, bounds: tuple[float, float]
) -> tuple[float, tuple[float, float]]:
    """Validate what all attacks share (norm, eps, bounds, x, y); return (eps, bounds) as floats."""
    threat.check_norm(norm)
    eps = threat.check_eps(eps)
    bounds = threat.check_bounds(bounds)
    threat.check_inputs(x, y, bounds)
    return eps, bounds
