"""Exact a_p, a_pq of CutMix and HMix: finite sums over cut sizes and box centres (theory.md section 6).

Both draw a box of side fraction s = sqrt(r (1 - lam0)) (CutMix: r = 1) with
cut = floor(L s) per axis, so the pair (cut_y, cut_x) is constant on intervals
of lam0, whose Beta probabilities (and lam0-moments, via the regularized
incomplete Beta function) are exact. Write O = 1 - B for the outside of the box
and M = v O: CutMix v = 1, lam = 1 - A/(HW); HMix v = lam0 / kappa,
kappa = 1 - A/(HW), lam = lam0 (A = clipped area). Under D~,

    a_pq = E[lam (1 - M_p)(1 - M_q) + (1 - lam) M_p M_q]
         = E[v^2 O_p O_q] + E[lam] - E[lam v (O_p + O_q)]
    a_p  = E[lam] + E[(1 - 2 lam) v O_p].

With O_p O_q = 1 - B_p - B_q + B_p B_q and the box a product of per-axis
intervals, each term is a sum over (centre row group) x (centre column group)
of per-axis factors; the area couples the axes only through the group pair.
"""
from __future__ import annotations

import math
from functools import lru_cache

import torch
from scipy.special import betainc, betaln

from msda_theory.masks._base import Size
from msda_theory.weights.separable import AxisCells, ExactPairWeights, PairBlock


def cut_intervals(size: Size, r: float) -> list[tuple[int, int, float, float]]:
    """[(cut_y, cut_x, lam_lo, lam_hi)]: lam0 in (lam_lo, lam_hi) gives these cuts, cut = floor(L sqrt(r (1 - lam0)))."""
    h, w = size
    if r == 0.0:
        return [(0, 0, 0.0, 1.0)]
    top = math.sqrt(r)  # the largest side fraction (lam0 = 0)
    sides = sorted({0.0, top} | {k / n for n in (h, w) for k in range(1, n + 1) if k / n < top})
    out = []
    for s0, s1 in zip(sides[:-1], sides[1:]):
        mid = 0.5 * (s0 + s1)
        out.append((int(math.floor(h * mid)), int(math.floor(w * mid)), 1.0 - s1 * s1 / r, 1.0 - s0 * s0 / r))
    return out


def beta_moments(alpha: float, lo: float, hi: float, orders: int = 3) -> list[float]:
    """w_k = E[lam0^k 1{lo < lam0 < hi}] = B(a+k, a)/B(a, a) (I_hi(a+k, a) - I_lo(a+k, a)), k < orders.

    The ratio of Beta functions is taken in log space, exp(ln B(a+k, a) - ln B(a, a)): B itself
    underflows to 0 for large a (a = 1000) and the plain ratio is then 0/0.
    """
    lo, hi = max(lo, 0.0), min(hi, 1.0)
    return [math.exp(betaln(alpha + k, alpha) - betaln(alpha, alpha))
            * (betainc(alpha + k, alpha, hi) - betainc(alpha + k, alpha, lo)) for k in range(orders)]


@lru_cache(maxsize=4096)
def box_cells(length: int, cut: int, torus: bool = False) -> tuple[AxisCells, torch.Tensor]:
    """Per-axis boxes for every centre c = 0..L-1, grouped by length; returns (cells, length of each group).

    Clipped (masks/box.py): [clip(c - cut//2), clip(c + cut//2)). Torus: the same
    interval taken mod L (no clipping; used only for the continuum limit).
    """
    half = cut // 2
    c = torch.arange(length)[:, None]
    p = torch.arange(length)[None, :]
    if torus:
        psi = (torch.remainder(p - c + half, length) < 2 * half).to(torch.float64)
    else:
        lo, hi = (c - half).clamp(0, length), (c + half).clamp(0, length)
        psi = ((p >= lo) & (p < hi)).to(torch.float64)
    values, group = torch.unique(psi.sum(1), return_inverse=True)
    return AxisCells(psi, group, values.numel(), contiguous=not torus), values


def _area_terms(alpha: float, kind: str, lo: float, hi: float, area: torch.Tensor, pixels: int) -> dict[str, torch.Tensor]:
    """E over lam0 in (lo, hi) of lam, lam v, v^2 and (1 - 2 lam) v, for each group pair's area A (Gy, Gx)."""
    w0, w1, w2 = beta_moments(alpha, lo, hi)
    frac = area / pixels
    if kind == "cutmix":  # v = 1, lam = 1 - A/(HW): lam0 enters only through the interval
        lam = w0 * (1.0 - frac)
        return {"lam": lam, "lam_v": lam, "v2": torch.full_like(frac, w0), "g": w0 - 2.0 * lam}
    kappa = 1.0 - frac  # HMix: v = lam0 / kappa, lam = lam0 (kappa > 0: the box never covers the image)
    return {"lam": torch.full_like(frac, w1), "lam_v": w2 / kappa, "v2": w2 / kappa**2, "g": (w1 - 2.0 * w2) / kappa}


def box_pair_weights(size: Size, alpha: float, kind: str, r: float = 1.0, *, torus: bool = False) -> ExactPairWeights:
    """Exact D~ weights of CutMix (kind='cutmix') or HMix (kind='hmix', box share r); float64.

    a_pq = C + u[p] + u[q] + sum_i sum_ab E_i[v^2](a, b) T^y_a (x) T^x_b / (HW), where per
    interval i with group sums s, counts n: m0(F) = sum_ab F n_a n_b / HW,
    m1(F) = sum_ab F s_a (x) s_b / HW, C = sum_i m0(v2 + lam - 2 lam_v),
    u = sum_i m1(lam_v - v2), a_p = sum_i m0(lam + g) - m1(g).
    """
    h, w = size
    pixels = h * w
    const, u = 0.0, torch.zeros(h, w, dtype=torch.float64)
    a_p = torch.zeros(h, w, dtype=torch.float64)
    blocks: list[PairBlock] = []
    for cut_y, cut_x, lo, hi in cut_intervals(size, r):
        cells_y, len_y = box_cells(h, cut_y, torus)
        cells_x, len_x = box_cells(w, cut_x, torus)
        n_y, n_x, s_y, s_x = cells_y.counts, cells_x.counts, cells_y.sums, cells_x.sums
        t = _area_terms(alpha, kind, lo, hi, len_y[:, None] * len_x[None, :], pixels)

        def m0(f: torch.Tensor) -> float:
            return float(n_y @ f @ n_x) / pixels

        def m1(f: torch.Tensor) -> torch.Tensor:
            return s_y.T @ (f @ s_x) / pixels

        const += m0(t["v2"] + t["lam"] - 2.0 * t["lam_v"])
        u += m1(t["lam_v"] - t["v2"])
        a_p += m0(t["lam"] + t["g"]) - m1(t["g"])
        if cut_y // 2 > 0 and cut_x // 2 > 0:  # an empty box adds nothing to the pair block
            blocks.append(_pair_block(cells_y, cells_x, t["v2"] / pixels))
    return ExactPairWeights(size, a_p, const, u, blocks, {"intervals": len(cut_intervals(size, r))})


def _pair_block(cells_y: AxisCells, cells_x: AxisCells, weight: torch.Tensor) -> PairBlock:
    """The block sum_ab F[a,b] T_a (x) T_b, with the groups merged when F is constant (CutMix)."""
    if torch.all(weight == weight[0, 0]):
        merged = weight[:1, :1] * 1.0
        single = [AxisCells(c.psi, torch.zeros_like(c.group), 1, c.contiguous) for c in (cells_y, cells_x)]
        return PairBlock(single[0], single[1], merged)
    return PairBlock(cells_y, cells_x, weight)

