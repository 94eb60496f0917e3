"""Exact GMix weights: a sum over centres, a quadrature over lam0 (docs/theory.md section 6).

With l = min(lam0, 1 - lam0) and G_c(p) = gy_c(py) gx_c(px), gy_c(y) = exp(-pi (y - cy)^2 / (l H W)),
D~ is the same for M = G and M = 1 - G (it is symmetric under M <-> 1 - M), so with mu = mean(G):

    a_pq = E[mu + G_p G_q - mu (G_p + G_q)],   a_p = E[mu + G_p - 2 mu G_p],

every term separable over the centre (mu = mean(gy) mean(gx)). l has density
2 Beta(l; a, a) on (0, 1/2). The integrand in l is smooth but changes on
every scale from l ~ 1/(HW) (a one-pixel bump) to 1/2, so the quadrature is
composite: Gauss-Jacobi on [0, l_min] (weight l^(a-1): the Beta singularity
at 0 is in the rule, no substitution needed), Gauss-Legendre on the geometric
panels [l_min 2^j, l_min 2^(j+1)] up to 1/2. The error estimate is the largest
change of a_p and of the distance profile between ``order`` and ``order // 2``
nodes per panel (``details["quadrature_error"]``).

Also the continuum approximation away from borders: E_c[G_p G_q] ~ (l/2) exp(-pi d^2 / (2 l H W))
and mu ~ l, E_c[G_p] ~ l, so a_pq ~ E_l[l - 2 l^2 + (l/2) exp(-pi d^2 / (2 l H W))].
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.special import betaln, roots_jacobi, roots_legendre

from msda_theory.masks._base import Size
from msda_theory.weights.result import bin_offsets
from msda_theory.weights.separable import AxisCells, ExactPairWeights, PairBlock

DEFAULT_ORDER = 16


def ell_quadrature(alpha: float, pixels: int, order: int = DEFAULT_ORDER) -> tuple[np.ndarray, np.ndarray]:
    """Nodes l and weights (sum ~ 1) for E[f(l)], l = min(lam0, 1 - lam0), lam0 ~ Beta(a, a)."""
    log_norm = math.log(2.0) - betaln(alpha, alpha)  # density of l on (0, 1/2): norm l^(a-1) (1 - l)^(a-1)
    l_min = 0.25 / pixels
    x, wj = roots_jacobi(order, 0.0, alpha - 1.0)  # weight (1 + x)^(a-1) on [-1, 1]
    ell = l_min * (1.0 + x) / 2.0
    nodes = [ell]
    weights = [wj * np.exp(alpha * math.log(l_min / 2.0) + log_norm + (alpha - 1.0) * np.log1p(-ell))]
    xg, wg = roots_legendre(order)
    edges = [l_min * 2.0**j for j in range(int(math.ceil(math.log2(0.5 / l_min))) + 1)]
    edges = [e for e in edges if e < 0.5] + [0.5]
    for a, b in zip(edges[:-1], edges[1:]):
        ell = a + (b - a) * (xg + 1.0) / 2.0
        nodes.append(ell)
        weights.append(wg * (b - a) / 2.0 * np.exp(log_norm + (alpha - 1.0) * (np.log(ell) + np.log1p(-ell))))
    return np.concatenate(nodes), np.concatenate(weights)


def _bumps(length: int, ell: float, pixels: int) -> torch.Tensor:
    """g[c, y] = exp(-pi (y - c)^2 / (l H W)), (L, L) float64."""
    d = torch.arange(length, dtype=torch.float64)
    return torch.exp(-math.pi * (d[None, :] - d[:, None]) ** 2 / (ell * pixels))


def _gmix_at(size: Size, nodes: np.ndarray, weights: np.ndarray) -> ExactPairWeights:
    """The weights for a given quadrature rule over l."""
    h, w = size
    pixels = h * w
    const, u = 0.0, torch.zeros(h, w, dtype=torch.float64)
    a_p = torch.zeros(h, w, dtype=torch.float64)
    blocks = []
    for ell, wt in zip(nodes.tolist(), weights.tolist()):
        gy, gx = _bumps(h, ell, pixels), _bumps(w, ell, pixels)
        mu_y, mu_x = gy.mean(1), gx.mean(1)  # (L,) per centre
        e_mu = float(mu_y.mean() * mu_x.mean())
        e_g = torch.outer(gy.mean(0), gx.mean(0))  # E_c[G_p]
        e_mu_g = torch.outer(mu_y @ gy / h, mu_x @ gx / w)  # E_c[mu G_p]
        const += wt * e_mu
        u -= wt * e_mu_g
        a_p += wt * (e_mu + e_g - 2.0 * e_mu_g)
        blocks.append(PairBlock(AxisCells.single(gy), AxisCells.single(gx), torch.tensor([[wt / pixels]], dtype=torch.float64)))
    return ExactPairWeights(size, a_p, const, u, blocks)


def gmix_pair_weights(size: Size, alpha: float, *, order: int = DEFAULT_ORDER) -> ExactPairWeights:
    """Exact-over-centres, quadrature-over-l GMix weights, with ``details["quadrature_error"]``."""
    if not isinstance(order, int) or order < 2:
        raise ValueError(f"order must be an int >= 2, got {order!r}")
    pixels = size[0] * size[1]
    fine = _gmix_at(size, *ell_quadrature(alpha, pixels, order))
    coarse = _gmix_at(size, *ell_quadrature(alpha, pixels, order // 2))
    prof_fine = bin_offsets(fine.offset_sums, size, "euclidean")[1]
    prof_coarse = bin_offsets(coarse.offset_sums, size, "euclidean")[1]
    error = max(float((fine.a_p - coarse.a_p).abs().max()), float((prof_fine - prof_coarse).abs().max()))
    fine.details.update({"quadrature_error": error, "order": order, "nodes": len(fine.blocks)})
    return fine


def gmix_continuum_profile(distance: torch.Tensor, size: Size, alpha: float, *, order: int = 64) -> torch.Tensor:
    """E_l[l - 2 l^2 + (l/2) exp(-pi d^2 / (2 l H W))] at distances d (pixels): no borders."""
    pixels = size[0] * size[1]
    ell, wt = (torch.from_numpy(v) for v in ell_quadrature(alpha, pixels, order))
    d2 = distance.to(torch.float64)[:, None] ** 2
    integrand = ell - 2.0 * ell**2 + 0.5 * ell * torch.exp(-math.pi * d2 / (2.0 * ell * pixels))
    return integrand @ wt


def gmix_gaussian_term(distance: torch.Tensor, size: Size, alpha: float, *, order: int = 64) -> torch.Tensor:
    """E_l[(l/2) exp(-pi d^2 / (2 l H W))] alone (docs/theory.md section 6's E_c[G_p G_q]), (K,)."""
    pixels = size[0] * size[1]
    ell, wt = (torch.from_numpy(v) for v in ell_quadrature(alpha, pixels, order))
    d2 = distance.to(torch.float64)[:, None] ** 2
    return (0.5 * ell * torch.exp(-math.pi * d2 / (2.0 * ell * pixels))) @ wt
