"""Second-order adversarial and MSDA losses of logistic regression against slow twins (float64)."""
import math

import pytest
import torch

from msda_theory.data import available
from msda_theory.masks import CutMix
from msda_theory.experiments import adversarial_bound as ab
from msda_theory.weights import mask_set_weights


def _data(n=6, shape=(1, 1, 2), seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, *shape, generator=g, dtype=torch.float64)
    x = x - x.mean(0)
    y = (torch.arange(n) % 2).to(torch.float64)
    theta = torch.randn(x[0].numel(), generator=g, dtype=torch.float64)
    return x, y, theta


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.7])
def test_adversarial_loss_equals_brute_force_on_the_circle(eps):
    # Per sample, maximize l + (h' − y) θᵀδ + ½ h'' (θᵀδ)² over δ on a fine grid of the 2-D ε-disc.
    x, y, theta = _data()
    angles = torch.linspace(0, 2 * math.pi, 20001, dtype=torch.float64)
    radii = torch.linspace(0, eps, 11, dtype=torch.float64)
    deltas = (radii[:, None, None] * torch.stack([torch.cos(angles), torch.sin(angles)], 1)[None]).reshape(-1, 2)
    total = 0.0
    for xi, yi in zip(x.flatten(1), y):
        f = xi @ theta
        s = torch.sigmoid(f)
        base = float(torch.nn.functional.softplus(f) - yi * f)
        td = deltas @ theta
        total += base + float(((s - yi) * td + 0.5 * s * (1 - s) * td**2).max())
    assert ab.adversarial_loss_2nd(theta, x, y, eps) == pytest.approx(total / len(y), rel=1e-7)


def test_msda_regularizers_equal_direct_form_over_a_finite_mask_set():
    # For a finite set of masks, a and A are its reweighted moments (docs/theory.md section 3), and R1, R2 equal
    # the averages over (i, r, M ~ D~) of (h' − y) θᵀδ and ½ h'' (θᵀδ)², δ = (1 − M) ⊙ (r − x_i): exactly.
    x, y, theta = _data(n=5, shape=(2, 3, 3), seed=1)
    mask, lam = CutMix(alpha=1.0).sample(7, (3, 3), generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    w = mask_set_weights(mask, lam)
    r1, r2 = ab.msda_regularizers(theta, x, y, w.a_p, w.a_pq)
    laws = [(lam[k], mask[k]) for k in range(7)] + [(1 - lam[k], 1 - mask[k]) for k in range(7)]
    d1 = d2 = 0.0
    for xi, yi in zip(x, y):
        s = torch.sigmoid(xi.flatten() @ theta)
        for r in x:
            for weight, m in laws:
                td = float(((1 - m) * (r - xi)).flatten() @ theta)
                scale = float(weight) / (7 * len(x) * len(x))
                d1 += scale * float(s - yi) * td
                d2 += scale * 0.5 * float(s * (1 - s)) * td**2
    assert r1 == pytest.approx(d1, rel=1e-10, abs=1e-14)
    assert r2 == pytest.approx(d2, rel=1e-10)


def test_largest_radius_solves_the_inequality():
    x, y, theta = _data()
    l_std = ab.standard_loss(theta, x, y)
    s = torch.sigmoid(x.flatten(1) @ theta)
    first = float((s - y).abs().mean() * theta.norm())
    second = float((s * (1 - s)).mean() * theta.norm() ** 2)
    eps = ab.largest_radius(l_std, first, second, l_std + 0.3)
    assert ab.adversarial_loss_2nd(theta, x, y, eps) == pytest.approx(l_std + 0.3, rel=1e-12)
    assert ab.largest_radius(l_std, first, second, l_std - 1) == 0.0


def test_zhang_radius_and_bound_terms_are_consistent():
    x, y, theta = _data(n=8, shape=(1, 2, 2), seed=3)
    mask, lam = CutMix(alpha=1.0).sample(50, (2, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    w = mask_set_weights(mask, lam)
    terms = ab.bound_terms(theta, x, y, w.a_p, w.a_pq)
    assert terms.eps == pytest.approx(terms.R * terms.c_x * terms.mean_shift * 2.0)
    assert terms.margin == pytest.approx(terms.l_msda2 - terms.l_adv2)
    assert 0.0 <= terms.correct_share <= 1.0


def test_bad_inputs():
    x, y, theta = _data()
    with pytest.raises(ValueError, match="eps must be >= 0"):
        ab.adversarial_loss_2nd(theta, x, y, -1.0)
    with pytest.raises(ValueError, match="theta must be"):
        ab.standard_loss(theta[:1], x, y)


def test_subset_draw_is_a_centred_seeded_subset():
    x, y, _ = _data(n=20, shape=(1, 2, 2), seed=4)
    x = x + 3.0  # not centred: the subset is re-centred by its own mean
    xs, ys = ab.subset_draw(x, y, 7, generator=torch.Generator().manual_seed(5))
    again, _ = ab.subset_draw(x, y, 7, generator=torch.Generator().manual_seed(5))
    assert xs.shape == (7, 1, 2, 2) and ys.shape == (7,)
    assert torch.equal(xs, again)
    assert xs.mean(0).abs().max() < 1e-12
    # the subset plus one common shift is 7 distinct original points
    flat, sub = x.flatten(1), xs.flatten(1)
    matches = []
    for shift in flat - sub[0]:  # candidate shifts: xs[0] is one of the originals minus the shift
        gap = (sub[:, None] + shift - flat[None]).abs().sum(-1)  # (7, 20)
        if float(gap.min(1).values.max()) < 1e-12:
            matches.append(set(gap.argmin(1).tolist()))
    assert len(matches) == 1 and len(matches[0]) == 7
    with pytest.raises(ValueError, match=r"subset size must be in \[2, 20\], got 21"):
        ab.subset_draw(x, y, 21)


@pytest.mark.skipif(not available("fashion-mnist"), reason="needs Fashion-MNIST")
def test_subset_probe_stores_bound_terms_per_size_draw_and_strategy():
    out = ab.subset_probe(classes=(1, 8), sizes=(12, 16), draws=2, epochs=3, strategies=("none", "mixup"),
                          gmix_samples=10)
    assert (out["sizes"], out["draws"], out["epochs"]) == ([12, 16], 2, 3)
    keys = [(m["n"], m["draw"], m["strategy"]) for m in out["models"]]
    assert keys == [(n, k, s) for n in (12, 16) for k in (0, 1) for s in ("none", "mixup")]
    fields = set(ab.BoundTerms.__dataclass_fields__)
    assert all(fields <= set(m) and 0.0 <= m["correct_share"] <= 1.0 for m in out["models"])
    with pytest.raises(ValueError, match=r"draws must be in \[1, 10\], got 11"):
        ab.subset_probe(draws=11)
