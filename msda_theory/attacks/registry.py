"""The attack registry: name -> attack, all with one signature (docs/theory.md section 8).

    attack(model, x, y, eps, settings) -> AttackRun

``settings`` (``AttackSettings``) carries the threat model (norm, bounds) and
the budget of iterative attacks (steps, step_size, restarts, random_start,
generator); an attack reads what it needs. ``Attack.iterative`` marks attacks
whose budget is reported and that ``evaluate_robustness`` checks against FGSM
(an iterative attack should do at least as well). Adding an attack is one
function of this signature and one entry in ``ATTACKS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from msda_theory.attacks.fgsm import AttackRun, fgsm_run
from msda_theory.attacks.pgd import pgd_run


@dataclass(frozen=True)
class AttackSettings:
    """The threat model and the budget of an iterative attack (validated by ``evaluate_robustness``)."""

    norm: str = "linf"
    bounds: tuple[float, float] = (0.0, 1.0)
    steps: int = 10
    step_size: float | None = None
    restarts: int = 1
    random_start: bool = True
    generator: torch.Generator | None = None


AttackFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, float, AttackSettings], AttackRun]


@dataclass(frozen=True)
class Attack:
    """An attack function and whether it is iterative (uses steps, restarts, random_start)."""

    run: AttackFn
    iterative: bool = False

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
                 settings: AttackSettings) -> AttackRun:
        return self.run(model, x, y, eps, settings)


def _fgsm(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, s: AttackSettings) -> AttackRun:
    return fgsm_run(model, x, y, eps, norm=s.norm, bounds=s.bounds)


def _pgd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, s: AttackSettings) -> AttackRun:
    return pgd_run(model, x, y, eps, steps=s.steps, step_size=s.step_size, norm=s.norm,
                   random_start=s.random_start, restarts=s.restarts, bounds=s.bounds, generator=s.generator)


ATTACKS: dict[str, Attack] = {
    "fgsm": Attack(_fgsm),
    "pgd": Attack(_pgd, iterative=True),
}


def get_attack(name: str) -> Attack:
    """The attack called ``name``."""
    if name not in ATTACKS:
        raise ValueError(f"attack must be {' or '.join(map(repr, ATTACKS))}, got {name!r}")
    return ATTACKS[name]
