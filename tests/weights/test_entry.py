"""``pair_weights``, the one entry point: method resolution, spec strings, the former names, the channel broadcast."""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks
from msda_theory.regularizers.decompose import weight_method
from msda_theory.weights import (
    ExactPairWeights, MaskSet, MaskSetWeights, MonteCarloPairWeights, mask_set_weights, pair_weights, resolve_method,
    strategy_weights,
)
from msda_theory.weights.result import broadcast_a_p, broadcast_a_pq

PAPER = {"mixup": masks.Mixup, "cutmix": masks.CutMix, "hmix": masks.HMix, "gmix": masks.GMix}


def seeded(seed: int = 5) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", sorted(PAPER))
def test_auto_is_exact_for_the_four_paper_families(name: str) -> None:
    got = pair_weights(name, (3, 4))
    assert resolve_method("auto", PAPER[name]()) == "exact"
    assert isinstance(got, ExactPairWeights) and got.method == "exact"


def test_auto_is_the_streamed_monte_carlo_for_fmix() -> None:
    got = pair_weights("fmix", (4, 4), n_masks=64, generator=seeded())
    assert resolve_method("auto", masks.FMix()) == "mc"
    assert isinstance(got, MonteCarloPairWeights) and got.n_samples == 64 and got.a_pq_se.shape == (16, 16)


def test_quick_leaves_gmix_to_the_mask_set_monte_carlo() -> None:
    assert [resolve_method("quick", PAPER[n]()) for n in ("mixup", "cutmix", "hmix", "gmix")] == \
        ["exact", "exact", "exact", "mask-set"]
    ms = MaskSet(torch.rand(3, 2, 2, dtype=torch.float64, generator=seeded()))
    assert resolve_method("quick", ms) == resolve_method("auto", ms) == "exact"
    assert resolve_method("mc", None) == "exact"  # "none": zeros, whatever the method


def test_a_spec_string_gives_the_weights_of_the_sampler_it_names() -> None:
    by_spec = pair_weights("hmix:alpha=2,r=0.25", (4, 5))
    by_sampler = pair_weights(masks.HMix(alpha=2.0, r=0.25), (4, 5))
    assert torch.equal(by_spec.a_pq, by_sampler.a_pq) and torch.equal(by_spec.a_p, by_sampler.a_p)
    none = pair_weights("none", (2, 3), method="mc")
    assert none.method == "exact" and not none.a_pq.any() and none.a_pq.shape == (6, 6)


def test_mask_set_method_is_the_moments_of_the_drawn_masks() -> None:
    """'mask-set': n_masks masks drawn in one call (float64) and their D~ moments, recomputed here by hand."""
    got = pair_weights("cutmix", (3, 3), method="mask-set", n_masks=50, generator=seeded())
    mask, lam = masks.CutMix().sample(50, (3, 3), generator=seeded(), dtype=torch.float64)
    m = mask.reshape(50, 9)
    by_hand = ((1 - m).T * lam) @ (1 - m) / 50 + (m.T * (1 - lam)) @ m / 50  # a_pq of section 4 on the set
    assert isinstance(got, MaskSetWeights) and got.method == "mc" and got.masks.shape == (50, 3, 3)
    assert torch.allclose(got.a_pq, by_hand, rtol=0, atol=1e-15)


@pytest.mark.parametrize("name, method, as_pair", [
    ("gmix", "auto", "mask-set"), ("hmix", "auto", "exact"), ("fmix", "auto", "mask-set"),
    ("cutmix", "mc", "mask-set"), ("mixup", "exact", "exact"),
])
def test_strategy_weights_is_pair_weights_with_the_same_numbers(name: str, method: str, as_pair: str) -> None:
    old = strategy_weights(name, (3, 3), method=method, n_masks=40, generator=seeded())
    new = pair_weights(name, (3, 3), method=as_pair, n_masks=40, generator=seeded())
    assert type(old) is type(new) and old.method == new.method
    assert torch.equal(old.a_pq, new.a_pq) and torch.equal(old.a_p, new.a_p)


def test_the_former_keyword_n_samples_gives_the_same_estimate() -> None:
    old = pair_weights(masks.FMix(), (4, 4), method="mc", n_samples=30, generator=seeded())
    new = pair_weights(masks.FMix(), (4, 4), method="mc", n_masks=30, generator=seeded())
    assert torch.equal(old.a_pq, new.a_pq) and torch.equal(old.a_pq_se, new.a_pq_se) and old.n_samples == 30


@pytest.mark.parametrize("call, message", [
    (lambda: pair_weights("fmix", (4, 4), n_masks=10, n_samples=10), "pass n_masks or its former name n_samples, not both"),
    (lambda: pair_weights("fmix", (4, 4), n_masks=1), "n_masks must be an integer >= 2, got 1"),
    (lambda: pair_weights("fmix", (4, 4), method="mask-set", n_samples=1), "n_samples must be an integer >= 2, got 1"),
    (lambda: pair_weights("mixup", (4, 4), method="fast"), r"method must be one of \('auto', 'quick', 'exact'"),
    (lambda: pair_weights(3, (4, 4)), r"sampler must have a sample\(n, size, \*, generator, ...\) method or be a "),
    (lambda: pair_weights("mixmatch", (4, 4)), "unknown strategy 'mixmatch'"),
    (lambda: broadcast_a_p(torch.ones(2, 2), 0), "channels must be a positive integer, got 0"),
    (lambda: broadcast_a_pq(torch.ones(4, 3), 2), r"a_pq must be a square matrix \(HW, HW\), got \(4, 3\)"),
])
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_broadcast_repeats_the_weights_over_channels() -> None:
    """a[(c, p)] = a_p[p], A[(c, p), (c', q)] = a_pq[p, q], index by index, and equal to the former hand-written
    repeats (a_p.reshape(-1).repeat(C), a_pq.repeat(C, C))."""
    w = pair_weights("hmix:alpha=2,r=0.5", (2, 3))
    a, big_a = w.broadcast(3)
    assert a.shape == (18,) and big_a.shape == (18, 18)
    for c in range(3):
        for p in range(6):
            assert a[c * 6 + p] == w.a_p.reshape(-1)[p]
            for c2 in range(3):
                assert torch.equal(big_a[c * 6 + p, c2 * 6: c2 * 6 + 6], w.a_pq[p])
    assert torch.equal(a, w.a_p.reshape(-1).repeat(3)) and torch.equal(big_a, w.a_pq.repeat(3, 3))


def former_distance_profile(a_pq: torch.Tensor, size: tuple[int, int]) -> list[float]:
    """task_dependence.distance_profile as it was: mean a_pq over pairs at each Chebyshev distance."""
    h, w = size
    rows, cols = torch.arange(h).repeat_interleave(w), torch.arange(w).repeat(h)
    dist = torch.maximum((rows[:, None] - rows[None]).abs(), (cols[:, None] - cols[None]).abs())
    return [float(a_pq[dist == k].mean()) for k in range(int(dist.max()) + 1)]


@pytest.mark.parametrize("spec, size", [("gmix", (6, 6)), ("cutmix", (5, 5)), ("hmix:r=0.5", (4, 6))])
def test_chebyshev_profile_equals_the_former_task_dependence_profile(spec: str, size: tuple[int, int]) -> None:
    w = pair_weights(spec, size, method="quick", n_masks=200, generator=seeded())
    assert w.profile("chebyshev").mean.tolist() == pytest.approx(former_distance_profile(w.a_pq, size),
                                                                 rel=1e-12, abs=1e-15)


def test_decompose_weights_resolve_to_a_method_with_contraction_errors() -> None:
    """decompose's moment form keeps the masks of any Monte Carlo weights (its R SEs need per-mask terms)."""
    assert weight_method("auto", masks.FMix()) == weight_method("mc", masks.HMix()) == "mask-set"
    assert weight_method("auto", masks.GMix()) == weight_method("quick", masks.HMix()) == "exact"
    assert weight_method("quick", masks.GMix()) == "mask-set"
    ms = MaskSet(torch.rand(3, 2, 2, dtype=torch.float64, generator=seeded()))
    assert torch.equal(pair_weights(ms, (2, 2)).a_pq, mask_set_weights(ms.masks).a_pq)
