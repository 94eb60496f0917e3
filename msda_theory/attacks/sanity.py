"""Sanity checks reported with every robustness evaluation (style point 11, after AutoAttack's checks).

An accuracy under attack is only evidence when the attack did what it claims:

- every perturbation lies in the eps-ball: ||x' - x||_p <= eps + 1e-6;
- every adversarial input lies in the bounds: lo <= x' <= hi;
- the model outputs logits, not probabilities (rows in [0, 1] summing to 1
  make the cross-entropy gradient vanish and the attack look weak);
- the share of samples whose input gradient is exactly zero (gradient
  masking; reported, and a warning when positive);
- PGD is at least as strong as FGSM: acc_pgd <= acc_fgsm + tolerance.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from msda_theory.attacks import threat
from msda_theory.models import is_binary

NORM_SLACK = 1e-6  # float rounding allowed on ||x' - x||_p <= eps
BOUND_SLACK = 1e-6
PROBABILITY_ATOL = 1e-4  # |sum of a row - 1| counted as a probability row


def pgd_fgsm_tolerance(n: int) -> float:
    """Allowed excess of PGD accuracy over FGSM accuracy: max(0.01, 1 / n) (one sample on small n)."""
    return max(0.01, 1.0 / max(n, 1))


def looks_like_probabilities(outputs: torch.Tensor) -> bool:
    """True when every row lies in [0, 1] and sums to 1 (K >= 2), or every output lies in [0, 1] (one logit).

    A single-logit model whose logits all happen to lie in [0, 1] is flagged
    too; over a test set that is rare for a trained model.
    """
    if outputs.numel() == 0:
        return False
    inside = bool(((outputs >= 0) & (outputs <= 1)).all())
    if is_binary(outputs) or not inside:
        return inside
    return bool(((outputs.sum(dim=1) - 1).abs() <= PROBABILITY_ATOL).all())


def perturbation_norms(x: torch.Tensor, x_adv: torch.Tensor, norm: str) -> torch.Tensor:
    """||x_adv[b] - x[b]||_p, (B,), in float64."""
    return threat.flat_norm((x_adv - x).to(torch.float64), norm)


def within_bounds(x_adv: torch.Tensor, bounds: tuple[float, float]) -> bool:
    """lo - slack <= x_adv <= hi + slack everywhere."""
    lo, hi = bounds
    return x_adv.numel() == 0 or bool((x_adv.min() >= lo - BOUND_SLACK) & (x_adv.max() <= hi + BOUND_SLACK))


@dataclass
class SanityTally:
    """Running totals over batches, per eps; ``report`` turns them into the ``sanity`` dict."""

    eps: list[float]
    norm: str
    probability_batches: int = 0
    batches: int = 0
    max_norm: list[float] = field(default_factory=list)
    out_of_bounds: list[bool] = field(default_factory=list)
    zero_grad: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.max_norm = [0.0] * len(self.eps)
        self.out_of_bounds = [False] * len(self.eps)
        self.zero_grad = [0] * len(self.eps)

    def add_clean(self, logits: torch.Tensor) -> None:
        """Record one batch of clean outputs for the logits check."""
        self.batches += 1
        self.probability_batches += looks_like_probabilities(logits)

    def add_attack(self, i: int, x: torch.Tensor, x_adv: torch.Tensor, zero_grad: torch.Tensor,
                   bounds: tuple[float, float]) -> None:
        """Record one batch attacked at eps[i]."""
        self.max_norm[i] = max(self.max_norm[i], float(perturbation_norms(x, x_adv, self.norm).max()))
        self.out_of_bounds[i] |= not within_bounds(x_adv, bounds)
        self.zero_grad[i] += int(zero_grad.sum())

    def report(self, n: int, accuracy: list[float], fgsm_accuracy: list[float] | None) -> dict:
        """The ``sanity`` dict: each check's value, ``failures`` and ``warnings`` as sentences, ``passed``."""
        failures, warnings = [], []
        logits = self.probability_batches < self.batches or self.batches == 0
        if not logits:
            failures.append("model outputs look like probabilities (rows in [0, 1] summing to 1), not logits")
        within_eps = all(m <= e + NORM_SLACK for m, e in zip(self.max_norm, self.eps))
        if not within_eps:
            failures.append(f"a perturbation exceeds eps: max norms {self.max_norm} for eps {self.eps}")
        in_bounds = not any(self.out_of_bounds)
        if not in_bounds:
            failures.append("an adversarial input lies outside the bounds")
        shares = [z / n if e > 0 else None for z, e in zip(self.zero_grad, self.eps)]  # no attack at eps = 0
        worst = max((s for s in shares if s is not None), default=0.0)
        if worst > 0:
            warnings.append(f"zero input gradients for a share {worst:.3g} of samples (gradient masking?)")
        tol = pgd_fgsm_tolerance(n)
        stronger = None
        if fgsm_accuracy is not None:
            stronger = all(a <= f + tol for a, f in zip(accuracy, fgsm_accuracy))
            if not stronger:
                failures.append(f"PGD accuracy {accuracy} exceeds FGSM accuracy {fgsm_accuracy} by more than {tol:.3g}")
        return {
            "passed": not failures,
            "failures": failures,
            "warnings": warnings,
            "output_is_logits": logits,
            "max_perturbation": self.max_norm,
            "perturbation_within_eps": within_eps,
            "adversarial_within_bounds": in_bounds,
            "zero_gradient_share": shares,
            "fgsm_accuracy": fgsm_accuracy,
            "pgd_at_least_fgsm": stronger,
            "pgd_fgsm_tolerance": tol,
        }
