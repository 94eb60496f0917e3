"""The fast gradient (sign) method: one steepest-ascent step of length eps.

    x' = clip(x + eps * sign(g)),          linf
    x' = clip(x + eps * g / ||g||_2),      l2,      g = grad_x loss(f(x), y)

(docs/theory.md section 8: the first-order adversarial loss that Zhang et al.'s
Theorem 3.1 bounds; for a linear model f = w^T x + b it is the exact worst case,
moving the margin by -eps * ||w||_1 (linf) or -eps * ||w||_2 (l2)).
"""
from __future__ import annotations

import torch
from torch import nn

from msda_theory.attacks import threat
from msda_theory.attacks.loss import attack_mode, input_gradient, zero_gradient
from msda_theory.attacks.settings import AttackRun, AttackSettings, check_attack_inputs


def fgsm_attack(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
                settings: AttackSettings) -> AttackRun:
    """x' = clip(x + eps * d), d = sign(g) (linf) or g / ||g||_2 (l2), g = grad_x loss; the registered FGSM.

    The loss is cross-entropy on (B, K) logits, or BCE with logits for a
    single-logit (B,) or (B, 1) model. One forward and one backward, model in
    eval mode, no gradient left on the parameters, x untouched. Of ``settings``
    only ``norm`` (``"linf"`` or ``"l2"``, per sample over all non-batch axes)
    and ``bounds`` ((lo, hi) for every input coordinate) are read.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1).
        x: inputs (B, ...), within ``settings.bounds``.
        y: labels (B,) int64 (in {0, 1} for a single logit).
        eps: radius of the ball, >= 0.
        settings: the threat model.

    Returns:
        ``AttackRun``: x_adv (B, ...), same dtype and device as x, and the zero-gradient mask (B,).
    """
    eps, bounds = check_attack_inputs(x, y, eps, settings.norm, settings.bounds)
    x = x.detach()
    with attack_mode(model):
        grad, _ = input_gradient(model, x, y, validate=True)
    x_adv = threat.project(x + eps * threat.ascent_direction(grad, settings.norm), x, eps, settings.norm, bounds)
    return AttackRun(x_adv=x_adv, zero_grad=zero_gradient(grad))


def fgsm(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    *,
    norm: str = "linf",
    bounds: tuple[float, float] = (0.0, 1.0),
) -> torch.Tensor:
    """x' = clip(x + eps * d), d = sign(g) (linf) or g / ||g||_2 (l2): ``fgsm_attack`` with keyword settings.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1).
        x: inputs (B, ...), within ``bounds``.
        y: labels (B,) int64 (in {0, 1} for a single logit).
        eps: radius of the ball, >= 0.
        norm: ``"linf"`` or ``"l2"`` (per sample over all non-batch axes).
        bounds: (lo, hi) for every input coordinate; (-inf, inf) for none.

    Returns:
        The adversarial examples (B, ...), same dtype and device as x.
    """
    return fgsm_attack(model, x, y, eps, AttackSettings(norm=norm, bounds=bounds)).x_adv
