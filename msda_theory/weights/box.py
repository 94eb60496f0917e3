"""Exact a_p, a_pq of CutMix and HMix: finite sums over cut sizes and box centres (docs/theory.md section 6).

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


def box_cells(length: int, cut: int, torus: bool = False) -> tuple[AxisCells, torch.Tensor]:
    """Per-axis boxes for every centre c = 0..L-1, grouped by length; returns (cells, length of each group).

    Clipped (masks/box.py): [clip(c - cut//2), clip(c + cut//2)), kept as interval ends (O(L)).
    Torus: the same interval taken mod L (no clipping; used only for the continuum limit), dense.
    """
    half = cut // 2
    c = torch.arange(length)
    if torus:
        p = torch.arange(length)[None, :]
        psi = (torch.remainder(p - c[:, None] + half, length) < 2 * half).to(torch.float64)
        values, group = torch.unique(psi.sum(1), return_inverse=True)
        return AxisCells(group, values.numel(), length, dense=psi), values
    lo, hi = (c - half).clamp(0, length), (c + half).clamp(0, length)
    values, group = torch.unique(hi - lo, return_inverse=True)
    return AxisCells(group, values.numel(), length, bounds=(lo, hi)), values.to(torch.float64)


def _area_terms(alpha: float, kind: str, lo: float, hi: float, area: torch.Tensor, pixels: int) -> dict[str, torch.Tensor]:
    """E over lam0 in (lo, hi) of lam, lam v, v^2 and (1 - 2 lam) v, for each group pair's area A (Gy, Gx).

    HMix only (v = lam0 / kappa, lam = lam0, kappa = 1 - A/(HW) > 0: the box never covers the image).
    """
    _, w1, w2 = beta_moments(alpha, lo, hi)
    kappa = 1.0 - area / pixels
    return {"lam": torch.full_like(kappa, w1), "lam_v": w2 / kappa, "v2": w2 / kappa**2, "g": (w1 - 2.0 * w2) / kappa}


def _cutmix_terms(alpha: float, lo: float, hi: float, pixels: int) -> dict[str, tuple[float, float]]:
    """CutMix's terms as (c0, c1) with F = c0 + c1 A (v = 1, lam = 1 - A/(HW): affine in the area).

    lam = w0 - w0 A/P, lam_v = lam, v2 = w0, g = w0 - 2 lam; so u's F = lam_v - v2 = -w0 A/P,
    the constant's F = v2 + lam - 2 lam_v = w0 A/P, and a_p's F's are lam + g and g.
    """
    w0 = beta_moments(alpha, lo, hi, orders=1)[0]
    lam, g = (w0, -w0 / pixels), (-w0, 2.0 * w0 / pixels)
    return {"const": (0.0, w0 / pixels), "u": (0.0, -w0 / pixels), "lam_g": (lam[0] + g[0], lam[1] + g[1]),
            "g": g, "v2": (w0, 0.0)}


class _Contractions:
    """m0(F) = sum_ab F n_a n_b / P and m1(F) = sum_ab F s_a (x) s_b / P for one interval's groups.

    For F = c0 + c1 A with A[a, b] = len_a len_b (CutMix) both are rank-two: O((H + W) G) work
    and an outer product, instead of the (Gy, Gx) matrix products of the general case.
    """

    def __init__(self, cells_y: AxisCells, len_y: torch.Tensor, cells_x: AxisCells, len_x: torch.Tensor,
                 pixels: int) -> None:
        self.n_y, self.n_x, self.s_y, self.s_x = cells_y.counts, cells_x.counts, cells_y.sums(), cells_x.sums()
        self.len_y, self.len_x, self.pixels = len_y, len_x, pixels

    def m0(self, f: torch.Tensor) -> float:
        return float(self.n_y @ f @ self.n_x) / self.pixels

    def m1(self, f: torch.Tensor) -> torch.Tensor:
        return self.s_y.T @ (f @ self.s_x) / self.pixels

    def m0_affine(self, c: tuple[float, float]) -> float:
        ones = float(self.n_y.sum() * self.n_x.sum())
        return (c[0] * ones + c[1] * float(self.n_y @ self.len_y) * float(self.n_x @ self.len_x)) / self.pixels

    def add_m1_affine(self, out: torch.Tensor, c: tuple[float, float], sign: float = 1.0) -> None:
        """out += sign m1(c0 + c1 A), in place (two rank-one updates, no (H, W) temporaries)."""
        out.addr_(self.s_y.sum(0), self.s_x.sum(0), alpha=sign * c[0] / self.pixels)
        out.addr_(self.len_y @ self.s_y, self.len_x @ self.s_x, alpha=sign * c[1] / self.pixels)


def box_pair_weights(size: Size, alpha: float, kind: str, r: float = 1.0, *, torus: bool = False) -> ExactPairWeights:
    """Exact D~ weights of CutMix (kind='cutmix') or HMix (kind='hmix', box share r); float64.

    a_pq = C + u[p] + u[q] + sum_i sum_ab E_i[v^2](a, b) T^y_a (x) T^x_b / (HW), where per
    interval i with group sums s, counts n: m0(F) = sum_ab F n_a n_b / HW,
    m1(F) = sum_ab F s_a (x) s_b / HW, C = sum_i m0(v2 + lam - 2 lam_v),
    u = sum_i m1(lam_v - v2), a_p = sum_i m0(lam + g) - m1(g).
    Memory O(H W + intervals); CutMix's terms are affine in the area, so each interval costs
    O((H + W) G + H W) (``_Contractions``).
    """
    h, w = size
    pixels = h * w
    const, u = 0.0, torch.zeros(h, w, dtype=torch.float64)
    a_p = torch.zeros(h, w, dtype=torch.float64)
    blocks: list[PairBlock] = []
    intervals = cut_intervals(size, r)
    for cut_y, cut_x, lo, hi in intervals:
        cells_y, len_y = box_cells(h, cut_y, torus)
        cells_x, len_x = box_cells(w, cut_x, torus)
        m = _Contractions(cells_y, len_y, cells_x, len_x, pixels)
        if kind == "cutmix":
            t = _cutmix_terms(alpha, lo, hi, pixels)
            const += m.m0_affine(t["const"])
            m.add_m1_affine(u, t["u"])
            a_p += m.m0_affine(t["lam_g"])
            m.add_m1_affine(a_p, t["g"], sign=-1.0)
            v2 = torch.full((1, 1), t["v2"][0] / pixels, dtype=torch.float64)
        else:
            t = _area_terms(alpha, kind, lo, hi, len_y[:, None] * len_x[None, :], pixels)
            const += m.m0(t["v2"] + t["lam"] - 2.0 * t["lam_v"])
            u += m.m1(t["lam_v"] - t["v2"])
            a_p += m.m0(t["lam"] + t["g"]) - m.m1(t["g"])
            v2 = t["v2"] / pixels
        if cut_y // 2 > 0 and cut_x // 2 > 0:  # an empty box adds nothing to the pair block
            blocks.append(_pair_block(cells_y, cells_x, v2))
    return ExactPairWeights(size, a_p, const, u, blocks, {"intervals": len(intervals)})


def _pair_block(cells_y: AxisCells, cells_x: AxisCells, weight: torch.Tensor) -> PairBlock:
    """The block sum_ab F[a,b] T_a (x) T_b, with the groups merged when F is constant (CutMix)."""
    if weight.shape == (1, 1) or torch.all(weight == weight[0, 0]):
        merged = weight[:1, :1] * 1.0
        return PairBlock(cells_y.merged(), cells_x.merged(), merged)
    return PairBlock(cells_y, cells_x, weight)

