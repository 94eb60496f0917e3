"""Properties of every mask family (docs/theory.md section 2)."""
import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from msda_theory import masks

FAMILIES = list(masks.FAMILIES)


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@given(
    name=st.sampled_from(FAMILIES),
    alpha=st.floats(0.05, 5.0),
    h=st.integers(1, 17),
    w=st.integers(1, 17),
    n=st.integers(0, 6),
    seed=st.integers(0, 2**31),
)
def test_masks_in_unit_interval_and_lam_is_mask_mean(name, alpha, h, w, n, seed):
    mask, lam = masks.get(name, alpha=alpha).sample(n, (h, w), generator=gen(seed))
    assert mask.shape == (n, h, w) and lam.shape == (n,)
    assert mask.dtype == torch.float32
    assert bool(((mask >= 0) & (mask <= 1)).all())
    exact = mask.double().mean((-2, -1))  # the mean of the shown (float32) values, accumulated in float64
    assert bool(((lam.double() - exact).abs() <= 2.0**-24 * exact + 1e-15).all())  # rounded once to float32


@pytest.mark.parametrize("name", ["mixup", "hmix", "gmix", "fmix"])
def test_mean_ratio_is_one_half_within_4_se(name):
    # E[lam] = E[lam0] = 1/2 for Beta(alpha, alpha): Mixup and HMix keep lam = lam0, FMix rounds the
    # count without bias, GMix's lam is symmetric about 1/2 (M -> 1 - M when lam0 -> 1 - lam0).
    # SE = std(lam) / sqrt(n) for n i.i.d. masks.
    n = 4000
    _, lam = masks.get(name, alpha=1.0).sample(n, (16, 16), generator=gen(1), dtype=torch.float64)
    se = lam.std().item() / math.sqrt(n)
    assert abs(lam.mean().item() - 0.5) <= 4 * se


def test_cutmix_shown_ratio_is_at_least_the_drawn_one():
    # floor, the even half-extents and clipping only shrink the box, so lam = 1 - area/(HW) >= lam0;
    # hence E[lam] > 1/2 for CutMix (measured in paper_checks.md, claim 1).
    lam0 = torch.rand(500, generator=gen(12), dtype=torch.float64)
    _, lam = masks.CutMix().render(lam0, (8, 8), generator=gen(13), dtype=torch.float64)
    assert bool((lam >= lam0 - 1e-12).all())
    assert lam.mean().item() > lam0.mean().item()


def test_hmix_r0_is_constant_mixup_mask():
    lam0 = torch.tensor([0.1, 0.35, 0.65, 0.9], dtype=torch.float64)
    hm, hl = masks.HMix(alpha=1.0, r=0.0).render(lam0, (9, 11), generator=gen(2), dtype=torch.float64)
    mm, ml = masks.Mixup(alpha=1.0).render(lam0, (9, 11), dtype=torch.float64)
    assert torch.equal(hm, mm)
    assert torch.allclose(hl, lam0, atol=1e-15)


def test_hmix_r1_draws_cutmix_box_and_keeps_lam0():
    # With the official semantics HMix(r=1) zeroes CutMix's box (same draws) and sets the
    # outside to lam0/kappa, so that mean = lam0; it is binary only when kappa = lam0.
    lam0 = torch.rand(50, generator=gen(3), dtype=torch.float64)
    hm, hl = masks.HMix(alpha=1.0, r=1.0).render(lam0, (16, 20), generator=gen(4), dtype=torch.float64)
    cm, cl = masks.CutMix(alpha=1.0).render(lam0, (16, 20), generator=gen(4), dtype=torch.float64)
    assert torch.equal(hm == 0, cm == 0)
    outside = torch.where(cm == 1, hm, torch.nan).nan_to_num(0).amax((-2, -1))
    assert torch.allclose(outside, lam0 / cl, atol=1e-12)
    assert torch.allclose(hl, lam0, atol=1e-12)
    assert bool((hl <= cl + 1e-12).all())  # lam0 <= kappa, so the outside value is <= 1


def test_cutmix_masks_are_binary_boxes():
    mask, lam = masks.CutMix(alpha=1.0).sample(200, (12, 7), generator=gen(5))
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    inside = mask == 0
    rows, cols = inside.any(2), inside.any(1)
    # the zero set is exactly the product of its row and column supports (a rectangle)
    assert torch.equal(inside, rows[:, :, None] & cols[:, None, :])


def test_cutmix_box_follows_official_floor_and_half_extent():
    # lam0 = 0.75 -> side 0.5 -> cut = floor(10 * 0.5) = 5 -> half 2 -> width 4 when unclipped.
    lam0 = torch.full((400,), 0.75, dtype=torch.float64)
    mask, _ = masks.CutMix().render(lam0, (10, 10), generator=gen(6))
    widths = (mask == 0).any(1).sum(1)
    assert widths.max().item() == 4 and widths.min().item() == 2


@pytest.mark.parametrize("size", [(8, 20), (24, 9)])
def test_gmix_non_square_peak_and_fall_off(size):
    lam0 = torch.tensor([0.3, 0.7], dtype=torch.float64)
    mask, lam = masks.GMix().render(lam0, size, generator=gen(7), dtype=torch.float64)
    assert mask[0].max().item() == pytest.approx(1.0)  # G = 1 at its centre, M = G for lam0 < 1/2
    assert mask[1].min().item() == pytest.approx(0.0)  # M = 1 - G for lam0 >= 1/2
    # far from the border the Gaussian integrates to about l H W, so lam is near lam0
    assert torch.allclose(lam, lam0, atol=0.2)


def test_gmix_integral_matches_ratio_on_torus_free_centre():
    # A narrow bump (sigma = sqrt(l H W / 2 pi) ~ 25 px) centred 150+ px from every border:
    # the pixel sum of G equals its integral l H W (Poisson summation) to far below 1e-6.
    lam0 = torch.tensor([0.02], dtype=torch.float64)
    from msda_theory.masks.gmix import gaussian_bump

    g = gaussian_bump(torch.tensor([200]), torch.tensor([150]), lam0, (400, 300))
    assert g.mean().item() == pytest.approx(0.02, rel=1e-6)


def test_fmix_binary_with_rounded_count():
    lam0 = torch.tensor([0.25, 0.5, 0.8], dtype=torch.float64)
    mask, lam = masks.FMix(decay_power=3.0).render(lam0, (10, 10), generator=gen(8))
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    assert torch.all((lam * 100 - lam0 * 100).abs() <= 1.0 + 1e-6)


@pytest.mark.parametrize("name", FAMILIES)
def test_same_seed_same_masks(name):
    s = masks.get(name)
    a, _ = s.sample(5, (9, 13), generator=gen(9))
    b, _ = s.sample(5, (9, 13), generator=gen(9))
    c, _ = s.sample(5, (9, 13), generator=gen(10))
    assert torch.equal(a, b)
    assert name == "mixup" or not torch.equal(a, c)


def test_float64_and_device_arguments():
    mask, lam = masks.GMix().sample(3, (5, 6), generator=gen(11), dtype=torch.float64, device="cpu")
    assert mask.dtype == lam.dtype == torch.float64


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: masks.Mixup(alpha=0.0), r"alpha must be a finite number > 0, got 0.0"),
        (lambda: masks.CutMix(alpha=-1), r"alpha must be a finite number > 0, got -1"),
        (lambda: masks.GMix(alpha=float("nan")), r"alpha must be a finite number > 0, got nan"),
        (lambda: masks.HMix(r=1.5), r"r must be a number in \[0, 1\], got 1.5"),
        (lambda: masks.FMix(decay_power=0), r"decay_power must be a finite number > 0, got 0"),
        (lambda: masks.get("mixmatch"), r"unknown strategy 'mixmatch'; choose one of: mixup, cutmix, hmix, gmix, fmix"),
        (lambda: masks.get("mixup", r=0.5), r"mixup takes alpha; got r"),
        (lambda: masks.Mixup().sample(2, (0, 4)), r"size must be a pair \(H, W\) of positive integers, got \(0, 4\)"),
        (lambda: masks.Mixup().sample(2, (3.5, 4)), r"size must be a pair \(H, W\) of positive integers"),
        (lambda: masks.Mixup().sample(2, 8), r"size must be a pair \(H, W\) of positive integers, got 8"),
        (lambda: masks.Mixup().sample(-1, (4, 4)), r"n must be a non-negative integer, got -1"),
    ],
)
def test_errors_are_value_errors_with_exact_messages(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_registry_names_and_params():
    assert list(masks.FAMILIES) == ["mixup", "cutmix", "hmix", "gmix", "fmix"]
    assert masks.get("HMix", alpha=2.0, r=0.25).params == {"alpha": 2.0, "r": 0.25}
    assert str(masks.get("fmix")) == "fmix(alpha=1, decay_power=3)"


@given(
    alpha=st.floats(0.05, 5.0),
    h=st.integers(1, 17),
    w=st.integers(1, 17),
    n=st.integers(0, 6),
    seed=st.integers(0, 2**31),
    dtype=st.sampled_from([torch.float32, torch.float16, torch.float64, torch.bfloat16]),
)
def test_mixup_fast_sample_is_the_general_path_bit_for_bit(alpha, h, w, n, seed, dtype):
    # Mixup.sample skips the mean of its constant masks (lam = v, exact for float32/float16); the general
    # BetaMaskFamily.sample renders the float64 masks and averages them. Same generator: same bits, same stream.
    mixup = masks.Mixup(alpha=alpha)
    fast, general = gen(seed), gen(seed)
    mask, lam = mixup.sample(n, (h, w), generator=fast, dtype=dtype)
    mask0, lam0 = masks.BetaMaskFamily.sample(mixup, n, (h, w), generator=general, dtype=dtype)
    assert mask.dtype == mask0.dtype == lam.dtype == lam0.dtype == dtype
    assert torch.equal(mask, mask0) and torch.equal(lam, lam0) and mask.is_contiguous()
    assert torch.equal(fast.get_state(), general.get_state())


def test_mixup_fast_sample_at_a_large_image_keeps_lam_the_mask_mean():
    # 224 x 224 = 50176 copies of v: the float64 sum of float32 values is exact, so mean(M) is v itself
    mask, lam = masks.Mixup(alpha=0.3).sample(3, (224, 224), generator=gen(4))
    mask0, lam0 = masks.BetaMaskFamily.sample(masks.Mixup(alpha=0.3), 3, (224, 224), generator=gen(4))
    assert torch.equal(mask, mask0) and torch.equal(lam, lam0)
    assert torch.equal(mask.double().mean((-2, -1)).float(), lam)
