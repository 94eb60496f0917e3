"""Mask-set weights and ``strategy_weights``: by hand, brute force and against the exact forms."""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks
from msda_theory.weights import MaskSet, PairWeights, mask_set_weights, pair_weights, strategy_weights


def test_mask_set_weights_by_hand() -> None:
    m = torch.tensor([[[1.0, 0.0]], [[0.5, 0.5]]], dtype=torch.float64)  # (2, 1, 2), lam = 0.5, 0.5
    got = mask_set_weights(m)
    assert torch.allclose(got.a_p, torch.full((1, 2), 0.5, dtype=torch.float64))
    expected = 0.5 * (0.5 * torch.tensor([[0.0, 0.0], [0.0, 1.0]]) + 0.5 * torch.tensor([[1.0, 0.0], [0.0, 0.0]])) \
        + 0.5 * torch.full((2, 2), 0.25)
    assert torch.allclose(got.a_pq, expected.double())
    assert got.mean_shift == pytest.approx(0.5) and got.contract(torch.ones(2, dtype=torch.float64)) == (1.0, 0.0)


def test_profile_and_rows_match_a_brute_force_over_pairs() -> None:
    w = mask_set_weights(masks.CutMix().sample(7, (3, 4), generator=torch.Generator().manual_seed(0),
                                               dtype=torch.float64)[0])
    a = w.a_pq.reshape(3, 4, 3, 4)
    sums: dict[int, list[float]] = {}
    for py in range(3):
        for px in range(4):
            for qy in range(3):
                for qx in range(4):
                    sums.setdefault(max(abs(py - qy), abs(px - qx)), []).append(float(a[py, px, qy, qx]))
    profile = w.profile("chebyshev")
    assert profile.distance.tolist() == sorted(sums)
    assert torch.allclose(profile.mean, torch.tensor([sum(v) / len(v) for _, v in sorted(sums.items())],
                                                     dtype=torch.float64))
    assert profile.count.tolist() == [len(v) for _, v in sorted(sums.items())]
    assert torch.equal(w.row((1, 2)), a[1, 2])


def test_contract_se_is_the_standard_error_of_the_per_mask_terms() -> None:
    mask, lam = masks.GMix().sample(30, (3, 3), generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    w = mask_set_weights(mask, lam, keep_masks=True)
    g = torch.Generator().manual_seed(2)
    v, big_g = torch.randn(9, generator=g, dtype=torch.float64), torch.randn(9, 9, generator=g, dtype=torch.float64)
    per_mask = torch.tensor([mask_set_weights(mask[s:s + 1], lam[s:s + 1]).contract(v, big_g)[0] for s in range(30)],
                            dtype=torch.float64)
    value, se = w.contract(v, big_g)
    assert value == pytest.approx(float(per_mask.mean()), rel=1e-12)
    assert se == pytest.approx(float(per_mask.std() / 30**0.5), rel=1e-10)


def test_strategy_weights_none_exact_and_mask_set() -> None:
    none = strategy_weights("none", (2, 3))
    assert isinstance(none, PairWeights) and none.a_p.shape == (2, 3) and none.a_pq.shape == (6, 6)
    assert not none.a_p.any() and not none.a_pq.any() and none.mean_shift == 0.0
    for name in ("mixup", "cutmix", "hmix"):  # auto is exact for these: equal to pair_weights
        auto, exact = strategy_weights(name, (4, 3)), pair_weights(masks.from_spec(name), (4, 3))
        assert auto.method == "exact" and torch.equal(auto.a_pq, exact.a_pq) and torch.equal(auto.a_p, exact.a_p)
    assert strategy_weights("mixup", (2, 2)).mean_shift == pytest.approx(1 / 3)  # alpha = 1: a / (2a + 1)
    ms = MaskSet(torch.rand(5, 2, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64))
    assert torch.equal(strategy_weights(ms, (2, 2)).a_pq, mask_set_weights(ms.masks).a_pq)


@pytest.mark.parametrize("name", ["gmix", "hmix"])
def test_monte_carlo_agrees_with_exact_within_its_standard_error(name: str) -> None:
    """sum_p a_p and sum_pq a_pq by Monte Carlo (auto for GMix, forced for HMix) within 4 SE of the exact values."""
    mc = strategy_weights(name, (4, 4), method="mc", n_masks=4000, generator=torch.Generator().manual_seed(4))
    exact = pair_weights(masks.from_spec(name), (4, 4))
    ones = torch.ones(16, dtype=torch.float64)
    for v, g in ((ones, None), (0 * ones, torch.ones(16, 16, dtype=torch.float64))):
        value, se = mc.contract(v, g)
        truth = exact.contract(v, g)[0]
        assert 0 < se < 0.05 * abs(truth) and abs(value - truth) <= 4 * se
    assert strategy_weights("gmix", (4, 4), n_masks=10).method == "mc"


@pytest.mark.parametrize("call, message", [
    (lambda: strategy_weights("mixup", (2, 2), method="fast"), r"method must be one of \('auto', 'exact', 'mc'\)"),
    (lambda: strategy_weights("mixup", (2, 2), method="mc", n_masks=1), "n_masks must be an integer >= 2, got 1"),
    (lambda: strategy_weights("mixmatch", (2, 2)), "unknown strategy 'mixmatch'; choose one of: none, mixup"),
    (lambda: strategy_weights(3, (2, 2)), "expected a strategy name or a sampler with a sample method, got 3"),
    (lambda: strategy_weights("fmix", (2, 2), method="exact"), "no exact form of a_pq for fmix"),
    (lambda: mask_set_weights(torch.ones(2, 2)), r"masks must be a floating tensor \(S, H, W\)"),
])
def test_errors(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()
