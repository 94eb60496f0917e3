"""torch.func derivatives against plain autograd, one image at a time (style point 8)."""
from __future__ import annotations

import torch
from torch import nn
from torch.autograd.functional import hessian, jacobian

from msda_theory.regularizers.derivatives import (anchor_terms, directional_derivatives, hessian_vector_products,
                                                  jacobians)
from msda_theory.regularizers.losses import get_loss


def setup() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Softplus(), nn.Flatten(), nn.Linear(3 * 9, 4),
                          nn.Tanh(), nn.Linear(4, 3)).double()
    return model, torch.rand(3, 2, 3, 3, dtype=torch.float64)


def test_jacobians_and_hvps_match_autograd() -> None:
    model, x = setup()
    y = torch.nn.functional.one_hot(torch.tensor([0, 2, 1]), 3).double()
    z, e, g = anchor_terms(model, get_loss("ce"), x, y)
    jac = jacobians(model, x)
    v = torch.rand(2, *x.shape, dtype=torch.float64)
    hv = hessian_vector_products(model, e, x, v)
    j1, j2 = directional_derivatives(model, x, v)
    for i in range(2):
        ref_j = jacobian(lambda xi: model(xi[None])[0], x[i]).reshape(3, -1)
        assert torch.allclose(jac[i], ref_j, atol=1e-12)
        assert torch.allclose(g[i].reshape(-1), ref_j.T @ e[i], atol=1e-12)
        ref_h = hessian(lambda xi: (e[i] * model(xi[None])[0]).sum(), x[i]).reshape(18, 18)
        hc = [hessian(lambda xi: model(xi[None])[0, c], x[i]).reshape(18, 18) for c in range(3)]
        for s in range(2):
            vs = v[s, i].reshape(-1)
            assert torch.allclose(hv[s, i].reshape(-1), ref_h @ vs, atol=1e-12)
            assert torch.allclose(j1[s, i], ref_j @ vs, atol=1e-12)
            assert torch.allclose(j2[s, i], torch.stack([vs @ h @ vs for h in hc]), atol=1e-12)


def test_loss_hessians_match_autograd() -> None:
    z = torch.randn(4, 3, dtype=torch.float64)
    v = torch.randn(4, 3, dtype=torch.float64)
    for name in ("ce", "bce", "mse"):
        loss = get_loss(name)
        for i in range(4):
            ref = hessian(lambda zi: loss.h(zi[None])[0], z[i])
            assert torch.allclose(loss.hessian(z)[i], ref, atol=1e-12)
            assert torch.allclose(loss.quadratic(z, v)[i], v[i] @ ref @ v[i], atol=1e-12)
