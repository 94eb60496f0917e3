"""First-layer penalty tr(W (A ⊙ Σ) Wᵀ) against independent computations, and the radial spectrum."""
import math

import pytest
import torch
from torch import nn

from msda_theory.experiments import first_layer as fl


def _psd(n: int, g: torch.Generator) -> torch.Tensor:
    b = torch.randn(n, n, generator=g, dtype=torch.float64)
    return b @ b.T / n


@pytest.fixture
def conv_case():
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    layer = nn.Conv2d(2, 3, 3, padding=1).double()
    x = torch.rand(40, 2, 5, 5, generator=g, dtype=torch.float64)
    return layer, x, _psd(25, g)


def test_gram_equals_explicit_matrix(conv_case):
    layer, x, _ = conv_case
    w = fl.first_layer_matrix(layer, (2, 5, 5))
    assert w.shape == (3 * 25, 50)
    assert torch.allclose(fl.first_layer_gram(layer, (2, 5, 5), chunk=7), w.T @ w, atol=1e-12)


def test_matrix_matches_conv(conv_case):
    layer, x, _ = conv_case
    w = fl.first_layer_matrix(layer, (2, 5, 5))
    with torch.no_grad():
        direct = (layer(x) - layer.bias[None, :, None, None]).flatten(1)
    assert torch.allclose(x.flatten(1) @ w.T, direct, atol=1e-12)


def test_penalty_equals_brute_force_double_sum(conv_case):
    layer, x, a = conv_case
    w = fl.first_layer_matrix(layer, (2, 5, 5))
    sigma = fl.data_covariance(x)
    fast = fl.first_layer_penalty(fl.first_layer_gram(layer, (2, 5, 5)), a, sigma, channels=2)
    # brute force: Σ_o Σ_{(c,p),(c',q)} W[o,(c,p)] A[p,q] Σ[(c,p),(c',q)] W[o,(c',q)]
    brute = 0.0
    for i in range(50):
        for j in range(50):
            brute += float(a[i % 25, j % 25] * sigma[i, j] * (w[:, i] * w[:, j]).sum())
    assert fast == pytest.approx(brute, rel=1e-12)


def test_penalty_equals_r2_of_linear_model_with_identity_curvature(conv_case):
    # f(x) = W x (vector output), h'' = I:  R2 = (1/2n) Σ_i tr(W (A ⊙ C_i) Wᵀ) and mean_i C_i = 2Σ,
    # so R2 = tr(W (A ⊙ Σ) Wᵀ); R2 is computed here from per-sample input Jacobians via autograd.
    layer, x, a = conv_case
    a_full = a.repeat(2, 2)  # A[(c, p), (c', q)] = a[p, q]
    mu = x.flatten(1).mean(0)
    sigma = fl.data_covariance(x)
    r2 = 0.0
    for xi in x:
        jac = torch.autograd.functional.jacobian(lambda z: layer(z[None])[0].flatten(), xi).reshape(75, 50)
        v = mu - xi.flatten()
        c_i = sigma + torch.outer(v, v)
        r2 += float(torch.trace(jac @ (a_full * c_i) @ jac.T)) / (2 * len(x))
    gram = fl.first_layer_gram(layer, (2, 5, 5))
    assert fl.first_layer_penalty(gram, a, sigma, 2) == pytest.approx(r2, rel=1e-10)


def test_linear_layer_gram():
    torch.manual_seed(1)
    layer = nn.Linear(12, 4).double()
    assert torch.allclose(fl.first_layer_gram(layer, (3, 2, 2)), layer.weight.T @ layer.weight, atol=1e-12)


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_radial_spectrum_of_a_cosine_lands_in_its_bin(k):
    n = 16
    t = torch.arange(n, dtype=torch.float64)
    for image in (torch.cos(2 * math.pi * k * t / n)[None, :].expand(n, n),
                  torch.cos(2 * math.pi * k * t / n)[:, None].expand(n, n)):
        spec = fl.radial_spectrum(image[None])
        assert int(spec.argmax()) == k
        assert float(spec[k]) == pytest.approx(float(spec.sum()), rel=1e-10)


def test_radial_spectrum_rejects_bad_shapes():
    with pytest.raises(ValueError, match="filters must have shape"):
        fl.radial_spectrum(torch.zeros(3, 3))
    with pytest.raises(ValueError, match="smaller than the filters"):
        fl.radial_spectrum(torch.zeros(1, 5, 5), size=3)


def test_first_layer_requires_linear_or_conv():
    with pytest.raises(ValueError, match="first layer must be nn.Linear or nn.Conv2d"):
        fl.first_layer_gram(nn.ReLU(), (1, 2, 2))
