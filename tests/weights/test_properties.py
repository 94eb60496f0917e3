"""Closed forms and structural properties of the exact weights (docs/theory.md sections 4 and 6)."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from msda_theory import masks
from msda_theory.weights import mixup_moments, pair_weights
from msda_theory.weights.gaussian import gmix_pair_weights

EXACT = [masks.Mixup(alpha=0.7), masks.CutMix(alpha=1.0), masks.HMix(alpha=1.0, r=0.5), masks.GMix(alpha=0.5)]


@given(alpha=st.floats(0.05, 20.0), h=st.integers(1, 6), w=st.integers(1, 6))
@settings(max_examples=25, deadline=None)
def test_mixup_closed_form(alpha: float, h: int, w: int) -> None:
    got = pair_weights(masks.Mixup(alpha=alpha), (h, w))
    a_p, a_pq = alpha / (2 * alpha + 1), alpha * (alpha + 1) / ((2 * alpha + 1) * (2 * alpha + 2))
    assert mixup_moments(alpha) == pytest.approx((a_p, a_pq))
    assert torch.allclose(got.a_p, torch.full((h, w), a_p, dtype=torch.float64))
    assert torch.allclose(got.a_pq, torch.full((h * w, h * w), a_pq, dtype=torch.float64))


@pytest.mark.parametrize("sampler", EXACT, ids=str)
def test_a_pq_symmetric_psd(sampler: masks.BetaMaskFamily) -> None:
    a = pair_weights(sampler, (6, 5)).a_pq
    assert torch.allclose(a, a.T, atol=1e-14)
    assert torch.linalg.eigvalsh(a).min() > -1e-12


def test_binary_masks_have_a_pp_equal_a_p() -> None:
    got = pair_weights(masks.CutMix(alpha=1.3), (7, 5))
    assert torch.allclose(torch.diagonal(got.a_pq), got.a_p.flatten(), atol=1e-14)


def test_hmix_r0_is_mixup() -> None:
    for alpha in (0.3, 1.0, 2.5):
        hmix = pair_weights(masks.HMix(alpha=alpha, r=0.0), (4, 6))
        mixup = pair_weights(masks.Mixup(alpha=alpha), (4, 6))
        assert torch.allclose(hmix.a_pq, mixup.a_pq, rtol=0, atol=1e-15)
        assert torch.allclose(hmix.a_p, mixup.a_p, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sampler", EXACT, ids=str)
def test_rows_and_profile_agree_with_matrix(sampler: masks.BetaMaskFamily) -> None:
    got = pair_weights(sampler, (5, 7))
    a = got.a_pq
    assert torch.allclose(got.row(12), a[12].reshape(5, 7), atol=1e-14)
    prof = got.profile("euclidean")
    assert torch.isclose((prof.mean * prof.count).sum(), a.sum(), atol=1e-10)
    assert int(prof.count.sum()) == 35 * 35


def test_gmix_quadrature_error_is_stated_and_small() -> None:
    got = pair_weights(masks.GMix(alpha=0.4), (6, 7))
    assert got.details["quadrature_error"] < 1e-10
    finer = gmix_pair_weights((6, 7), 0.4, order=32)
    assert torch.allclose(got.row((1, 2)), finer.row((1, 2)), atol=1e-10)
    assert torch.allclose(got.a_p, finer.a_p, atol=1e-10)


def test_matrix_too_large_raises() -> None:
    got = pair_weights(masks.Mixup(), (65, 64))
    with pytest.raises(ValueError, match="only materialized for H\\*W <= 4096"):
        got.a_pq
    assert got.row((64, 63)).shape == (65, 64)


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="no exact form of a_pq for fmix.*use method=\"mc\""):
        pair_weights(masks.FMix(), (8, 8), method="exact")
    with pytest.raises(ValueError, match="method must be one of"):
        pair_weights(masks.Mixup(), (8, 8), method="quad")
    with pytest.raises(ValueError, match="n_samples must be an integer >= 2"):
        pair_weights(masks.Mixup(), (8, 8), method="mc", n_samples=1)
    with pytest.raises(ValueError, match="sampler must have a sample"):
        pair_weights(object(), (8, 8), method="mc")
    with pytest.raises(ValueError, match="size must be a pair"):
        pair_weights(masks.Mixup(), (0, 8))
    with pytest.raises(ValueError, match="metric must be one of"):
        pair_weights(masks.Mixup(), (3, 3)).profile("manhattan")
    with pytest.raises(ValueError, match="lies outside the 3x3 image"):
        pair_weights(masks.Mixup(), (3, 3)).row((3, 0))
