"""The strategies the probes compare, and their pixel weights a_p, a_pq (theory.md sections 4, 6).

'none' is vanilla training (no mixing: a = 0, A = 0). The four paper families
use the training defaults alpha = 1 and, for HMix, r = 0.5 (the official code's
choices); FMix is included where a probe says 'every strategy'.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from msda_theory import masks

PAPER_STRATEGIES = ("mixup", "cutmix", "hmix", "gmix")
ALL_STRATEGIES = ("none", *PAPER_STRATEGIES, "fmix")
DEFAULT_PARAMS: dict[str, dict[str, float]] = {
    "mixup": {"alpha": 1.0},
    "cutmix": {"alpha": 1.0},
    "hmix": {"alpha": 1.0, "r": 0.5},
    "gmix": {"alpha": 1.0},
    "fmix": {"alpha": 1.0, "decay_power": 3.0},
}


EXACT_FAST = ("mixup", "cutmix", "hmix")


@dataclass(frozen=True)
class PixelWeights:
    """a_p = E_D~[1 − M_p] (H·W,) and a_pq = E_D~[(1 − M_p)(1 − M_q)] (H·W, H·W), float64."""

    a_p: torch.Tensor
    a_pq: torch.Tensor

    @property
    def mean_shift(self) -> float:
        """ā = mean_p a_p = E_D~[1 − λ] (λ = mean(M))."""
        return float(self.a_p.mean())


def check_strategy(name: str) -> str:
    if name not in ALL_STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of: {', '.join(ALL_STRATEGIES)}")
    return name


def sampler(name: str) -> masks.BetaMaskFamily | None:
    """The mask law of ``name`` with the probes' parameters; None for 'none'."""
    check_strategy(name)
    return None if name == "none" else masks.get(name, **DEFAULT_PARAMS[name])


def pixel_weights(name: str, size: tuple[int, int], *, n_samples: int = 20000,
                  generator: torch.Generator | None = None) -> PixelWeights:
    """a_p and a_pq of strategy ``name`` on an (H, W) grid (zeros for 'none').

    Exact (``msda_theory.weights.pair_weights``) for Mixup, CutMix and HMix;
    Monte Carlo (``reweighted_moments`` of ``n_samples`` masks, one matrix
    product) for GMix, whose exact sum takes about a minute at 28×28 on 2
    cores, and FMix.
    """
    from msda_theory.weights import pair_weights

    h, w = size
    law = sampler(name)
    if law is None:
        return PixelWeights(torch.zeros(h * w, dtype=torch.float64), torch.zeros(h * w, h * w, dtype=torch.float64))
    if name not in EXACT_FAST:
        mask, lam = law.sample(n_samples, size, generator=generator, dtype=torch.float64)
        return reweighted_moments(mask, lam)
    pw = pair_weights(law, size, method="exact")
    return PixelWeights(torch.as_tensor(pw.a_p, dtype=torch.float64).reshape(-1),
                        torch.as_tensor(pw.a_pq, dtype=torch.float64))


def reweighted_moments(mask: torch.Tensor, lam: torch.Tensor) -> PixelWeights:
    """Monte Carlo a_p, a_pq from masks M (n, H, W) of D_M via the D~ mixture (theory.md section 3):

        E_D~[φ(M)] = E_DM[λ φ(M) + (1 − λ) φ(1 − M)],  so
        a_p  = mean_k[λ_k (1 − M_k) + (1 − λ_k) M_k],
        a_pq = mean_k[λ_k (1 − M_k)(1 − M_k)ᵀ + (1 − λ_k) M_k M_kᵀ].
    """
    m = mask.reshape(mask.shape[0], -1).to(torch.float64)
    lam = lam.to(torch.float64)[:, None]
    n = m.shape[0]
    a_p = (lam * (1 - m) + (1 - lam) * m).mean(0)
    a_pq = ((1 - m) * lam).T @ (1 - m) / n + (m * (1 - lam)).T @ m / n
    return PixelWeights(a_p, a_pq)
