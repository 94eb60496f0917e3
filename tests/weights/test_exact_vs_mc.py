"""Exact versus Monte Carlo weights, within z = 5 standard errors (style point 9).

Each mask M gives one iid value v = lam phi(1 - M) + (1 - lam) phi(M) (lam = mean(M)),
the estimate is mean(v) and SE = std(v, ddof=1) / sqrt(n); we require
|exact - mc| <= 5 SE for every entry of a_p, a_pq and the profile.
"""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks
from msda_theory.weights import pair_weights

Z = 5.0
EXACT = [masks.Mixup(alpha=1.0), masks.CutMix(alpha=1.0), masks.HMix(alpha=1.0, r=0.5), masks.GMix(alpha=1.0)]


def max_z(exact: torch.Tensor, mc: torch.Tensor, se: torch.Tensor) -> float:
    """max |exact - mc| / SE, treating SE = 0 with an exact match as z = 0."""
    diff = (exact - mc).abs()
    z = torch.where(se > 0, diff / se.clamp_min(1e-300), torch.where(diff < 1e-12, 0.0, float("inf")))
    return float(z.max())


def compare(sampler: object, size: tuple[int, int], n: int, seed: int) -> float:
    exact = pair_weights(sampler, size)
    mc = pair_weights(sampler, size, method="mc", n_samples=n, generator=torch.Generator().manual_seed(seed))
    zs = [max_z(exact.a_p, mc.a_p, mc.a_p_se), max_z(exact.a_pq, mc.a_pq, mc.a_pq_se)]
    for metric in ("chebyshev", "euclidean"):
        pe, pm = exact.profile(metric), mc.profile(metric)
        assert torch.equal(pe.count, pm.count)
        zs.append(max_z(pe.mean, pm.mean, pm.se))
    return max(zs)


@pytest.mark.parametrize("sampler", EXACT, ids=str)
def test_exact_matches_mc_light(sampler: object) -> None:
    assert compare(sampler, (5, 6), 2000, seed=1) <= Z


@pytest.mark.slow
@pytest.mark.parametrize("size", [(8, 8), (16, 16), (8, 12)])
@pytest.mark.parametrize("sampler", EXACT, ids=str)
def test_exact_matches_mc_slow(sampler: object, size: tuple[int, int]) -> None:
    assert compare(sampler, size, 50_000, seed=2) <= Z


class TinyLaw:
    """A user-defined law with only ``sample``: a random half of the image (top or bottom) is 1."""

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        h, w = size
        top = torch.rand(n, generator=generator) < 0.5
        rows = torch.arange(h)[None, :, None] < h // 2
        mask = torch.where(top[:, None, None], rows, ~rows).expand(n, h, w).to(dtype)
        return mask, mask.mean((-2, -1))


def test_user_law_through_mc() -> None:
    got = pair_weights(TinyLaw(), (4, 3), method="mc", n_samples=400, generator=torch.Generator().manual_seed(0))
    # lam = 1/2 always, so v_pq = (1/2)[(1 - M_p)(1 - M_q) + M_p M_q] = 1/2 if p, q in the same half, else 0: no noise.
    same = (torch.arange(4)[:, None] < 2) == (torch.arange(4)[None, :] < 2)
    expected = 0.5 * same.to(torch.float64).repeat_interleave(3, 0).repeat_interleave(3, 1)
    assert torch.allclose(got.a_pq, expected, atol=1e-15)
    assert float(got.a_pq_se.max()) < 1e-12
    assert torch.allclose(got.a_p, torch.full((4, 3), 0.5, dtype=torch.float64))
    assert got.profile("chebyshev").se is not None


def test_mc_large_image_uses_profile_and_rows() -> None:
    got = pair_weights(masks.CutMix(), (65, 64), method="mc", n_samples=8, rows=[(0, 0)],
                       generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match="only materialized"):
        got.a_pq
    assert got.row((0, 0)).shape == (65, 64) and got.row_se((0, 0)).shape == (65, 64)
    with pytest.raises(ValueError, match="was not accumulated; pass rows="):
        got.row((1, 1))
    assert got.profile("euclidean").mean.shape == got.profile("euclidean").se.shape


def test_mc_same_generator_same_result() -> None:
    a = pair_weights(masks.GMix(), (4, 4), method="mc", n_samples=50, generator=torch.Generator().manual_seed(3))
    b = pair_weights(masks.GMix(), (4, 4), method="mc", n_samples=50, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.a_pq, b.a_pq)
