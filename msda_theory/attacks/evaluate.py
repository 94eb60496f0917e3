"""Accuracy under attack at each radius, with Wilson intervals and the sanity checks.

    acc(eps) = (1/n) sum_i 1[argmax f(x_i') = y_i],   x_i' = attack(x_i, y_i, eps)

(theory.md section 9, claim 9: MSDA-trained models against vanilla under FGSM
and PGD at small eps). Per batch: one clean forward (accuracy at eps = 0 and
the logits check), then per eps > 0 the attack and one forward on its output;
with PGD also FGSM and one forward, for the PGD >= FGSM check.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch
from torch import nn

from msda_theory.attacks import threat
from msda_theory.attacks.confidence import wilson_interval
from msda_theory.attacks.fgsm import AttackRun, fgsm_run
from msda_theory.attacks.loss import attack_mode, check_labels, predict
from msda_theory.attacks.pgd import check_schedule, pgd_run
from msda_theory.attacks.sanity import SanityTally

ATTACKS = ("fgsm", "pgd")


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
    """acc(eps) for each eps under FGSM or PGD on the first n samples, with 95% Wilson intervals.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1); its device is used.
        x: inputs (N, ...), within ``bounds`` (may live on another device).
        y: labels (N,) int64.
        eps_list: radii, each >= 0; eps = 0 is the clean accuracy.
        attack: ``"fgsm"`` or ``"pgd"``; ``steps``, ``step_size``, ``restarts``,
            ``random_start`` and ``generator`` apply to PGD.
        norm: ``"linf"`` or ``"l2"``.
        n: evaluate the first n samples (all when None).
        batch_size: samples per attack batch.

    Returns:
        ``{"attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "correct",
        "n", "steps", "step_size", "restarts", "random_start", "bounds", "sanity"}``;
        the lists run over eps. ``sanity`` is described in :mod:`msda_theory.attacks.sanity`.
    """
    if attack not in ATTACKS:
        raise ValueError(f"attack must be 'fgsm' or 'pgd', got {attack!r}")
    threat.check_norm(norm)
    eps = check_eps_list(eps_list)
    bounds = threat.check_bounds(bounds)
    check_schedule(max(eps), steps, step_size, restarts)
    n = x.shape[0] if n is None else n
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= x.shape[0]:
        raise ValueError(f"n must be an integer in 1..{x.shape[0]}, got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    threat.check_inputs(x[:n], y[:n], bounds)

    def run(xb: torch.Tensor, yb: torch.Tensor, e: float, name: str) -> AttackRun:
        if name == "fgsm":
            return fgsm_run(model, xb, yb, e, norm=norm, bounds=bounds)
        return pgd_run(model, xb, yb, e, steps=steps, step_size=step_size, norm=norm, random_start=random_start,
                       restarts=restarts, bounds=bounds, generator=generator)

    device = model_device(model, x.device)
    correct, fgsm_correct = [0] * len(eps), [0] * len(eps)
    tally = SanityTally(eps=eps, norm=norm)
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
                result = run(xb, yb, e, attack)
                tally.add_attack(i, xb, result.x_adv, result.zero_grad, bounds)
                correct[i] += _count_correct(model, result.x_adv, yb)
                if attack == "pgd":
                    fgsm_correct[i] += _count_correct(model, run(xb, yb, e, "fgsm").x_adv, yb)
    accuracy = [c / n for c in correct]
    intervals = [wilson_interval(c, n) for c in correct]
    fgsm_accuracy = [c / n for c in fgsm_correct] if attack == "pgd" else None
    return {
        "attack": attack,
        "norm": norm,
        "eps": eps,
        "accuracy": accuracy,
        "ci_low": [lo for lo, _ in intervals],
        "ci_high": [hi for _, hi in intervals],
        "correct": correct,
        "n": n,
        "steps": steps if attack == "pgd" else 1,
        "step_size": step_size,
        "restarts": restarts if attack == "pgd" else 1,
        "random_start": random_start if attack == "pgd" else False,
        "bounds": list(bounds),
        "sanity": tally.report(n, accuracy, fgsm_accuracy),
    }
