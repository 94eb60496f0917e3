"""Every attack output lies in S(x) = eps-ball ∩ bounds, and the attack leaves x, the model and its grads alone."""
from __future__ import annotations

import math

import torch
from hypothesis import given
from hypothesis import strategies as st

from attack_models import PoolNet

from msda_theory.attacks import fgsm, pgd
from msda_theory.attacks.threat import flat_norm, project, random_start

shapes = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.integers(1, 5))


@given(shape=shapes, eps=st.floats(0.0, 0.6), norm=st.sampled_from(["linf", "l2"]),
       attack=st.sampled_from(["fgsm", "pgd"]), seed=st.integers(0, 2**16),
       lo=st.sampled_from([0.0, -1.0]))
def test_adversarial_examples_lie_in_the_ball_and_bounds(shape, eps, norm, attack, seed, lo) -> None:
    gen = torch.Generator().manual_seed(seed)
    x = lo + (1 - lo) * torch.rand(shape, generator=gen)
    y = torch.randint(0, 3, shape[:1], generator=gen)
    x_before = x.clone()
    pool_net = PoolNet().train()
    if attack == "fgsm":
        x_adv = fgsm(pool_net, x, y, eps, norm=norm, bounds=(lo, 1.0))
    else:
        x_adv = pgd(pool_net, x, y, eps, steps=3, norm=norm, bounds=(lo, 1.0), generator=gen)
    assert x_adv.shape == x.shape and x_adv.dtype == x.dtype and not x_adv.requires_grad
    assert (flat_norm(x_adv - x, norm) <= eps + 1e-6).all()
    assert x_adv.min() >= lo and x_adv.max() <= 1.0
    assert torch.equal(x, x_before)
    assert pool_net.training  # mode restored
    assert all(p.grad is None and p.requires_grad for p in pool_net.parameters())


@given(shape=shapes, eps=st.floats(0.0, 2.0), norm=st.sampled_from(["linf", "l2"]), seed=st.integers(0, 2**16))
def test_projection_is_idempotent_and_inside(shape, eps, norm, seed) -> None:
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(shape, generator=gen, dtype=torch.float64)
    far = x + 3 * torch.randn(shape, generator=gen, dtype=torch.float64)
    once = project(far, x, eps, norm, (0.0, 1.0))
    assert (flat_norm(once - x, norm) <= eps + 1e-12).all()
    assert once.min() >= 0 and once.max() <= 1
    torch.testing.assert_close(project(once, x, eps, norm, (0.0, 1.0)), once, atol=1e-12, rtol=0)


def test_l2_random_start_is_uniform_in_the_ball() -> None:
    # delta uniform in the d-ball <=> (||delta|| / eps)^d ~ U[0, 1]: mean 1/2, SE = sqrt(1/12 / n); direction mean 0.
    n, d, eps = 4000, 6, 0.5
    x = torch.zeros(n, 1, 2, 3, dtype=torch.float64)
    start = random_start(x, eps, "l2", (-math.inf, math.inf), generator=torch.Generator().manual_seed(0))
    u = (flat_norm(start, "l2") / eps) ** d
    assert u.max() <= 1 + 1e-12
    se = math.sqrt(1 / 12 / n)
    assert abs(u.mean().item() - 0.5) <= 5 * se
    # each coordinate of a uniform ball point has variance eps^2 / (d + 2)
    coord_se = math.sqrt(eps**2 / (d + 2) / n)
    assert start.reshape(n, d).mean(dim=0).abs().max().item() <= 5 * coord_se


def test_linf_random_start_is_uniform_in_the_cube() -> None:
    # U[-eps, eps]: mean 0 with SE eps / sqrt(3 n) per coordinate, extremes close to +-eps.
    n, eps = 4000, 0.1
    x = torch.full((n, 1, 1, 3), 0.5, dtype=torch.float64)
    delta = random_start(x, eps, "linf", (0.0, 1.0), generator=torch.Generator().manual_seed(0)) - x
    assert delta.abs().max() <= eps
    assert delta.abs().max() > 0.99 * eps
    assert delta.mean(dim=0).abs().max().item() <= 5 * eps / math.sqrt(3 * n)
