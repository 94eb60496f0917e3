"""The attack registry: name -> attack, all with one signature (docs/theory.md section 8).

    attack(model, x, y, eps, settings) -> AttackRun

``settings`` (``AttackSettings``, in ``attacks.settings``) carries the threat
model (norm, bounds) and the budget of iterative attacks (steps, step_size,
restarts, random_start, generator); an attack reads what it needs. The entry
is the attack itself (``fgsm.fgsm_attack``, ``pgd.pgd_attack``); ``fgsm`` and
``pgd`` are keyword-argument conveniences over the same functions.
``Attack.iterative`` marks attacks whose budget is reported and that
``evaluate_robustness`` checks against FGSM (an iterative attack should do at
least as well). Adding an attack is one
function of this signature and one entry in ``ATTACKS``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from msda_theory.attacks.fgsm import fgsm_attack
from msda_theory.attacks.pgd import pgd_attack
from msda_theory.attacks.settings import AttackRun, AttackSettings

AttackFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, float, AttackSettings], AttackRun]


@dataclass(frozen=True)
class Attack:
    """An attack function and whether it is iterative (uses steps, restarts, random_start)."""

    run: AttackFn
    iterative: bool = False

    def __call__(self, model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
                 settings: AttackSettings) -> AttackRun:
        return self.run(model, x, y, eps, settings)


ATTACKS: dict[str, Attack] = {
    "fgsm": Attack(fgsm_attack),
    "pgd": Attack(pgd_attack, iterative=True),
}


def get_attack(name: str) -> Attack:
    """The attack called ``name``."""
    if name not in ATTACKS:
        raise ValueError(f"attack must be {' or '.join(map(repr, ATTACKS))}, got {name!r}")
    return ATTACKS[name]
