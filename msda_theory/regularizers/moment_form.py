"""The moment form of R1, R2, R3: pixel weights times data moments (docs/theory.md section 4).

With u_i = mu - x_i, C_i = Sigma + u_i u_i^T, e_i = h'(z_i) - y_i, g_i = J_i^T e_i:

    R1 = a . v,          v_p = (1/n) sum_i sum_c g_i[c, p] u_i[c, p]
    R2 = <A, G2>,        G2 = (1/2n) P[ Sigma * sum_i J_i^T h''_i J_i + sum_i B_i^T h''_i B_i ],  B_i = J_i diag(u_i)
    R3 = <A, G3>,        G3 = (1/2n) P[ Sigma * sum_i Hphi_i + sum_i diag(u_i) Hphi_i diag(u_i) ]

where Hphi_i = sum_c e_ic H_ic, * is the element-wise product and P sums a
(d, d) matrix over channel pairs to (H W, H W) (the mask is shared by the
channels, so A is broadcast over them). The sums over i are taken before the
element-wise product with Sigma, so no per-sample d x d matrix is formed:
besides Sigma, one d x d accumulator is held at a time. sum_i Hphi_i and
sum_i diag(u_i) Hphi_i diag(u_i) are the Hessians in z of
sum_i phi_i(x_i + z) and sum_i phi_i(x_i + u_i * z), built column by column
from d batched Hessian-vector products: the cost is d HVPs per image, so this
estimator is meant for small images (d up to about 10^3); the direct
estimator has no d x d object and is the one for large inputs.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor
from tqdm.auto import tqdm

from msda_theory.regularizers.data_moments import DataMoments
from msda_theory.regularizers.derivatives import anchor_terms, hessian_vector_products, jacobians
from msda_theory.regularizers.losses import GLMLoss
from msda_theory.weights import PairWeights


def channel_pair_sum(q: Tensor, channels: int) -> Tensor:
    """P[Q]: (C HW, C HW') -> (HW, HW'), summing the C x C channel blocks."""
    d_rows, d_cols = q.shape
    return q.reshape(channels, d_rows // channels, channels, d_cols // channels).sum((0, 2))


def _chunks(n: int, size: int) -> list[slice]:
    return [slice(s, min(s + size, n)) for s in range(0, n, max(1, size))]


def first_order_vector(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, moments: DataMoments,
                       batch_size: int) -> tuple[Tensor, Tensor, Tensor]:
    """(v (HW,), per-image v_i (n, HW), l_std per image (n,)): R1 = a . v, R1_i = a . v_i."""
    n, c = x.shape[:2]
    per_image, l_std = [], []
    for part in _chunks(n, batch_size):
        z, _, g = anchor_terms(f, loss, x[part], y[part])
        u = moments.offsets(x[part])  # (B, d)
        per_image.append((g.reshape(g.shape[0], c, -1) * u.reshape(u.shape[0], c, -1)).sum(1))
        l_std.append(loss.value(z, y[part]))
    v_i = torch.cat(per_image)
    return v_i.mean(0), v_i, torch.cat(l_std)


def gauss_newton_matrix(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, moments: DataMoments,
                        batch_size: int) -> Tensor:
    """G2 (HW, HW) of the docstring above: R2 = <A, G2>."""
    n, c = x.shape[:2]
    d = moments.mean.shape[0]
    q = torch.zeros(d, d, dtype=x.dtype, device=x.device)
    for offsets in (False, True):  # first sum_i J^T h'' J (then times Sigma), then sum_i B^T h'' B
        for part in _chunks(n, batch_size):
            jac = jacobians(f, x[part])  # (B, K, d)
            z = f(x[part])
            if offsets:
                jac = jac * moments.offsets(x[part])[:, None, :]
            hj = loss.hessian_times(z, jac)
            q += jac.reshape(-1, d).T @ hj.reshape(-1, d)
        if not offsets:
            q *= moments.cov
    return channel_pair_sum(q, c) / (2 * n)


def hessian_matrix(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, moments: DataMoments,
                   batch_size: int, progress: bool | None = False) -> Tensor:
    """G3 (HW, HW) of the docstring above: R3 = <A, G3>, from 2d batched HVPs per image.

    ``progress``: a tqdm bar over the images (None: only on a terminal)."""
    n, c, h, w = x.shape
    d, hw = c * h * w, h * w
    g3 = torch.zeros(hw, hw, dtype=x.dtype, device=x.device)
    bar = tqdm(total=n, unit="img", desc="decompose (moment form: HVPs)", leave=False,
               disable=None if progress is None else not progress)
    for part in _chunks(n, max(1, batch_size // 2)):
        xb = x[part]
        z = f(xb)
        e = loss.h_prime(z) - y[part]
        u = moments.offsets(xb)  # (B, d)
        step = max(1, batch_size // (2 * xb.shape[0] * c))
        for cols in _chunks(hw, step):
            idx = (torch.arange(c, device=x.device)[:, None] * hw + torch.arange(hw, device=x.device)[cols]).reshape(-1)
            basis = torch.zeros(idx.numel(), d, dtype=x.dtype, device=x.device)
            basis[torch.arange(idx.numel()), idx] = 1.0  # (k, d): e_(c', q), ordered (c', q)
            v = torch.cat([basis[:, None, :].expand(-1, xb.shape[0], -1), basis[:, None, :] * u])  # (2k, B, d)
            hv = hessian_vector_products(f, e, xb, v.reshape(-1, *xb.shape)).reshape(2, idx.numel(), xb.shape[0], d)
            h_plain = hv[0].sum(1).T  # (d, k): columns of sum_i Hphi_i
            h_scaled = (hv[1] * u).sum(1).T  # (d, k): columns of sum_i diag(u_i) Hphi_i diag(u_i)
            block = moments.cov[:, idx] * h_plain + h_scaled  # (d, k)
            g3[:, cols] += channel_pair_sum(block, c)
        bar.update(xb.shape[0])
    bar.close()
    return g3 / (2 * n)


def moment_terms(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, moments: DataMoments,
                 weights: PairWeights, *, batch_size: int, progress: bool | None = False) -> dict[str, object]:
    """R1, R2, R3 with their SEs (zero for exact weights; they cover the weights only), l_std and per-image
    l_std, R1. ``progress``: a bar over the images of the HVP stage, the costly one."""
    v, v_i, l_std = first_order_vector(f, loss, x, y, moments, batch_size)
    r1, r1_se = weights.contract(v)
    zero = torch.zeros_like(v)
    r2, r2_se = weights.contract(zero, gauss_newton_matrix(f, loss, x, moments, batch_size))
    r3, r3_se = weights.contract(zero, hessian_matrix(f, loss, x, y, moments, batch_size, progress))
    return {"r1": r1, "r1_se": r1_se, "r2": r2, "r2_se": r2_se, "r3": r3, "r3_se": r3_se,
            "l_std_i": l_std, "r1_i": v_i @ weights.a_p.reshape(-1).to(v_i.dtype)}
