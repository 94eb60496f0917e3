"""Projected gradient descent (Madry et al.) on the loss, inside the threat set S(x).

    x_0 = x  or  x + U(ball),    x_{k+1} = Proj_S(x)(x_k + alpha * d(grad_x loss(f(x_k), y)))

with d = sign (linf) or g / ||g||_2 (l2), alpha = 2.5 * eps / steps by default
(docs/theory.md section 8: a stronger estimate of the adversarial loss than FGSM's
one step). Restarts keep, per sample, the worst end point: misclassified
first, then the highest loss.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from msda_theory.attacks import threat
from msda_theory.attacks.loss import attack_mode, input_gradient, per_sample_loss, zero_gradient
from msda_theory.attacks.settings import AttackRun, AttackSettings, check_attack_inputs
from msda_theory.models import predict


def check_schedule(eps: float, steps: int, step_size: float | None, restarts: int) -> float:
    """Validate steps >= 1, restarts >= 1, step_size > 0; return the step size alpha."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if isinstance(restarts, bool) or not isinstance(restarts, int) or restarts < 1:
        raise ValueError(f"restarts must be an integer >= 1, got {restarts!r}")
    if step_size is None:
        return 2.5 * eps / steps
    step_size = float(step_size)
    if not math.isfinite(step_size) or step_size <= 0:
        raise ValueError(f"step_size must be a finite number > 0, got {step_size!r}")
    return step_size


def _ascend(
    model: nn.Module, x: torch.Tensor, x_adv: torch.Tensor, y: torch.Tensor,
    eps: float, alpha: float, steps: int, norm: str, bounds: tuple[float, float], validate: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``steps`` projected ascent steps from x_adv; returns (end point, first step's zero-gradient mask)."""
    zero_grad = None
    for k in range(steps):
        grad, _ = input_gradient(model, x_adv, y, validate=validate and k == 0)
        if k == 0:
            zero_grad = zero_gradient(grad)
        x_adv = threat.project(x_adv + alpha * threat.ascent_direction(grad, norm), x, eps, norm, bounds)
    return x_adv, zero_grad


def _worse(logits: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(misclassified (B,) bool, loss (B,)): the order in which restarts are ranked."""
    return predict(logits) != y, per_sample_loss(logits, y)


def pgd_attack(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float,
               settings: AttackSettings) -> AttackRun:
    """x_{k+1} = Proj_S(x)(x_k + alpha * d(g_k)), k < steps; the worst of ``restarts`` runs; the registered PGD.

    Each step is one forward and one backward to the input (model in eval
    mode, parameters frozen and restored); projection onto the eps-ball and
    the bounds after every step. A restart after the first costs one more
    forward to rank it. ``settings`` gives the threat model (norm, bounds)
    and the budget: steps >= 1, step_size alpha > 0 (None: 2.5 * eps / steps),
    restarts >= 1, random_start (uniform in the ball: linf U[-eps, eps]^d; l2
    normal direction, radius eps * U^(1/d)) and the generator of the starts.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1).
        x: inputs (B, ...), within ``settings.bounds``; not modified.
        y: labels (B,) int64.
        eps: radius, >= 0.
        settings: the threat model and the budget.

    Returns:
        ``AttackRun``: x_adv (B, ...), same dtype and device as x (per sample the misclassified, then
        highest-loss end point over the restarts), and the first step's zero-gradient mask (B,).
    """
    s = settings
    eps, bounds = check_attack_inputs(x, y, eps, s.norm, s.bounds)
    alpha = check_schedule(eps, s.steps, s.step_size, s.restarts)
    x = x.detach()
    best = best_wrong = best_loss = zero_grad = None
    with attack_mode(model):
        for r in range(s.restarts):
            start = threat.random_start(x, eps, s.norm, bounds, generator=s.generator) if s.random_start else x
            x_adv, zeros = _ascend(model, x, start, y, eps, alpha, s.steps, s.norm, bounds, validate=r == 0)
            zero_grad = zeros if zero_grad is None else zero_grad
            if s.restarts == 1:
                return AttackRun(x_adv=x_adv, zero_grad=zero_grad)
            with torch.no_grad():
                wrong, loss = _worse(model(x_adv), y)
            if best is None:
                best, best_wrong, best_loss = x_adv, wrong, loss
                continue
            better = (wrong & ~best_wrong) | ((wrong == best_wrong) & (loss > best_loss))  # (B,)
            best = torch.where(better.reshape(-1, *([1] * (x.dim() - 1))), x_adv, best)
            best_wrong, best_loss = best_wrong | wrong, torch.where(better, loss, best_loss)
    return AttackRun(x_adv=best, zero_grad=zero_grad)


def pgd(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps: float,
    *,
    steps: int = 10,
    step_size: float | None = None,
    norm: str = "linf",
    random_start: bool = True,
    restarts: int = 1,
    bounds: tuple[float, float] = (0.0, 1.0),
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """x_{k+1} = Proj_S(x)(x_k + alpha * d(g_k)): ``pgd_attack`` with keyword settings.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1).
        x: inputs (B, ...), within ``bounds``; not modified.
        y: labels (B,) int64.
        eps: radius, >= 0.
        steps: ascent steps per restart, >= 1.
        step_size: alpha > 0; default 2.5 * eps / steps.
        norm: ``"linf"`` or ``"l2"``.
        random_start: start uniformly in the ball (linf: U[-eps, eps]^d; l2:
            normal direction, radius eps * U^(1/d)), else at x.
        restarts: independent runs; per sample the misclassified, then highest-loss end point is kept.
        bounds: (lo, hi) for every input coordinate.
        generator: randomness of the random starts.

    Returns:
        The adversarial examples (B, ...), same dtype and device as x.
    """
    settings = AttackSettings(norm=norm, bounds=bounds, steps=steps, step_size=step_size, restarts=restarts,
                              random_start=random_start, generator=generator)
    return pgd_attack(model, x, y, eps, settings).x_adv
