"""RandomChoice and Apply: mask laws built from mask laws (timm / torchvision v2 conventions)."""
from __future__ import annotations

import math

import pytest
import torch

from msda_theory import masks
from msda_theory.masks.choice import Apply, RandomChoice, choose
from msda_theory.weights import pair_weights

Z = 5.0  # |estimate - exact| <= Z * SE, fixed generators


class Constant:
    """A deterministic law: every mask is the constant ``value`` (identifies which law drew a mask)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        mask = torch.full((n, *size), self.value, device=device, dtype=dtype)
        return mask, mask.mean((-2, -1))


def test_choice_frequencies_match_p_within_binomial_se() -> None:
    n, p = 20_000, (0.2, 0.5, 0.3)
    law = RandomChoice((Constant(0.1), Constant(0.4), Constant(0.7)), p)
    mask, lam = law.sample(n, (3, 4), generator=torch.Generator().manual_seed(0))
    for value, pk in zip((0.1, 0.4, 0.7), p):
        share = float((lam - value).abs().lt(1e-6).double().mean())
        se = math.sqrt(pk * (1 - pk) / n)  # binomial SE of a share
        assert abs(share - pk) <= Z * se
    assert torch.allclose(lam, mask.mean((-2, -1)))


def test_apply_skips_with_ones_and_keeps_the_law_otherwise() -> None:
    mask, lam = Apply(Constant(0.25), prob=0.0).sample(50, (4, 4), generator=torch.Generator().manual_seed(1))
    assert torch.equal(mask, torch.ones(50, 4, 4)) and torch.equal(lam, torch.ones(50))
    mask, _ = Apply(Constant(0.25), prob=1.0).sample(50, (4, 4), generator=torch.Generator().manual_seed(1))
    assert torch.equal(mask, torch.full((50, 4, 4), 0.25))


def test_same_seed_same_masks_and_values_in_unit_interval() -> None:
    law = choose([masks.Mixup(), masks.CutMix()], [0.5, 0.5], prob=0.8)
    a = law.sample(64, (8, 8), generator=torch.Generator().manual_seed(3))
    b = law.sample(64, (8, 8), generator=torch.Generator().manual_seed(3))
    assert torch.equal(a[0], b[0])
    assert float(a[0].min()) >= 0.0 and float(a[0].max()) <= 1.0


def test_mixture_weights_are_the_mixture_of_exact_weights() -> None:
    """a and A are linear in the law: MC weights of the mixture vs Σ_k p_k (exact weights of law k)."""
    size, p, prob = (6, 6), (0.3, 0.7), 0.6
    parts = (masks.Mixup(alpha=1.0), masks.CutMix(alpha=1.0))
    law = choose(parts, p, prob=prob)
    mc = pair_weights(law, size, method="mc", n_samples=40_000, generator=torch.Generator().manual_seed(4))
    exact_a_p = sum(pk * pair_weights(s, size, method="exact").a_p for pk, s in zip(p, parts)) * prob
    exact_a_pq = sum(pk * pair_weights(s, size, method="exact").a_pq for pk, s in zip(p, parts)) * prob
    z_p = ((mc.a_p - exact_a_p) / mc.a_p_se).abs().max()
    z_pq = ((mc.a_pq - exact_a_pq) / mc.a_pq_se.clamp_min(1e-12)).abs().max()
    assert z_p <= Z and z_pq <= Z


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RandomChoice(()), "at least one mask law"),
        (lambda: RandomChoice((masks.Mixup(),), (0.5, 0.5)), "1 laws but 2 probabilities"),
        (lambda: RandomChoice((masks.Mixup(), masks.CutMix()), (0.7, 0.7)), "sum to 1"),
        (lambda: RandomChoice((object(),)), "needs a sample"),
        (lambda: Apply(masks.Mixup(), prob=1.5), r"prob must be a number in \[0, 1\]"),
    ],
)
def test_bad_combinations_are_refused(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()
