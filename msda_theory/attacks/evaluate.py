"""Accuracy under attack at each radius, with Wilson intervals and the sanity checks.

    acc(eps) = (1/n) sum_i 1[argmax f(x_i') = y_i],   x_i' = attack(x_i, y_i, eps)

(theory.md section 9, claim 9: MSDA-trained models against vanilla under FGSM
and PGD at small eps). ``check_evaluation`` validates; ``count_under_attack``
runs the attack from the registry (``attacks.registry.ATTACKS``). Per batch:
one clean forward (accuracy at eps = 0 and the logits check), then per eps > 0
the attack and one forward on its output; with an iterative attack (PGD) also
FGSM and one forward, for the PGD >= FGSM check.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

import torch
from torch import nn

from msda_theory.attacks import threat
from msda_theory.attacks.confidence import wilson_interval
from msda_theory.attacks.loss import attack_mode, check_labels
from msda_theory.attacks.pgd import check_schedule
from msda_theory.attacks.registry import Attack, AttackSettings, get_attack
from msda_theory.attacks.sanity import SanityTally
from msda_theory.models import predict


def check_eps_list(eps_list: Sequence[float]) -> list[float]:
    """A non-empty list of radii, each finite and >= 0."""
    eps = [threat.check_eps(e) for e in eps_list]
    if not eps:
        raise ValueError("eps_list must hold at least one radius")
    return eps


def model_device(model: nn.Module, fallback: torch.device) -> torch.device:
    """The device of the model's first parameter or buffer, else ``fallback``."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return fallback


def _count_correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> int:
    with torch.no_grad():
        return int((predict(model(x)) == y).sum())


def check_evaluation(x: torch.Tensor, y: torch.Tensor, eps_list: Sequence[float], settings: AttackSettings,
                     n: int | None, batch_size: int) -> tuple[list[float], int, AttackSettings]:
    """Validate an evaluation's inputs; return (the radii as floats, n, settings with float bounds)."""
    threat.check_norm(settings.norm)
    eps = check_eps_list(eps_list)
    settings = replace(settings, bounds=threat.check_bounds(settings.bounds))
    check_schedule(max(eps), settings.steps, settings.step_size, settings.restarts)
    n = x.shape[0] if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= x.shape[0]:
        raise ValueError(f"n must be an integer in 1..{x.shape[0]}, got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    threat.check_inputs(x[:n], y[:n], settings.bounds)
    return eps, n, settings


def count_under_attack(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: list[float], attack: Attack,
                       settings: AttackSettings, n: int, batch_size: int) -> tuple[list[int], list[int], SanityTally]:
    """Correct counts per eps under ``attack`` and under FGSM (iterative attacks only), and the sanity tally."""
    fgsm = get_attack("fgsm")
    device = model_device(model, x.device)
    correct, fgsm_correct = [0] * len(eps), [0] * len(eps)
    tally = SanityTally(eps=eps, norm=settings.norm)
    with attack_mode(model):
        for start in range(0, n, batch_size):
            xb = x[start:min(start + batch_size, n)].to(device)
            yb = y[start:min(start + batch_size, n)].to(device)
            with torch.no_grad():
                logits = model(xb)
            check_labels(logits, yb)
            tally.add_clean(logits)
            clean = int((predict(logits) == yb).sum())
            for i, e in enumerate(eps):
                if e == 0:
                    correct[i] += clean
                    fgsm_correct[i] += clean
                    continue
                result = attack(model, xb, yb, e, settings)
                tally.add_attack(i, xb, result.x_adv, result.zero_grad, settings.bounds)
                correct[i] += _count_correct(model, result.x_adv, yb)
                if attack.iterative:
                    fgsm_correct[i] += _count_correct(model, fgsm(model, xb, yb, e, settings).x_adv, yb)
    return correct, fgsm_correct, tally


def evaluate_robustness(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    eps_list: Sequence[float],
    *,
    attack: str = "pgd",
    norm: str = "linf",
    n: int | None = None,
    steps: int = 10,
    step_size: float | None = None,
    restarts: int = 1,
    random_start: bool = True,
    bounds: tuple[float, float] = (0.0, 1.0),
    batch_size: int = 500,
    generator: torch.Generator | None = None,
) -> dict[str, Any]:
    """acc(eps) for each eps under a registered attack on the first n samples, with 95% Wilson intervals.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1); its device is used.
        x: inputs (N, ...), within ``bounds`` (may live on another device).
        y: labels (N,) int64.
        eps_list: radii, each >= 0; eps = 0 is the clean accuracy.
        attack: a name in ``ATTACKS`` (``"fgsm"`` or ``"pgd"``); ``steps``, ``step_size``,
            ``restarts``, ``random_start`` and ``generator`` apply to iterative attacks (PGD).
        norm: ``"linf"`` or ``"l2"``.
        n: evaluate the first n samples (all when None).
        batch_size: samples per attack batch.

    Returns:
        ``{"attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "correct",
        "n", "steps", "step_size", "restarts", "random_start", "bounds", "sanity"}``;
        the lists run over eps. ``sanity`` is described in :mod:`msda_theory.attacks.sanity`.
    """
    chosen = get_attack(attack)
    settings = AttackSettings(norm=norm, bounds=bounds, steps=steps, step_size=step_size, restarts=restarts,
                              random_start=random_start, generator=generator)
    eps, n, settings = check_evaluation(x, y, eps_list, settings, n, batch_size)
    correct, fgsm_correct, tally = count_under_attack(model, x, y, eps, chosen, settings, n, batch_size)
    accuracy = [c / n for c in correct]
    intervals = [wilson_interval(c, n) for c in correct]
    fgsm_accuracy = [c / n for c in fgsm_correct] if chosen.iterative else None
    return {
        "attack": attack,
        "norm": norm,
        "eps": eps,
        "accuracy": accuracy,
        "ci_low": [lo for lo, _ in intervals],
        "ci_high": [hi for _, hi in intervals],
        "correct": correct,
        "n": n,
        "steps": steps if chosen.iterative else 1,
        "step_size": step_size,
        "restarts": restarts if chosen.iterative else 1,
        "random_start": random_start if chosen.iterative else False,
        "bounds": list(settings.bounds),
        "sanity": tally.report(n, accuracy, fgsm_accuracy),
    }
