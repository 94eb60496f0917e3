"""Exact pixel-pair weights in separable form (docs/theory.md sections 4 and 6).

Every exact family writes its weights as

    a_pq = C + u[p] + u[q] + sum_blocks sum_{a,b} F[a, b] T^y_a[py, qy] T^x_b[px, qx]

with T_g = sum_{c in group g} psi_c psi_c^T, where psi_c (L,) is the profile
along one axis of the box (or Gaussian bump) with centre c on that axis, and
the centres are grouped (e.g. by clipped box length) so that the weight F may
depend on both axes' groups (the clipped area couples them). Nothing of size
(HW)^2 is formed unless ``a_pq`` is asked for: rows and distance profiles are
contracted per axis.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import torch

from msda_theory.masks._base import Size
from msda_theory.weights.result import PairWeights, Profile, autocorrelation, bin_offsets, check_pixel, pair_counts


@dataclass(frozen=True)
class AxisCells:
    """Centre profiles along one axis and each centre's group (C,) int64.

    A profile psi_c (L,) is given either densely (``dense``, (C, L) float64: Gaussian bumps,
    torus boxes) or as the indicator of [lo_c, hi_c) (``bounds``: two int64 (C,)), which is
    never expanded to (C, L) except for a single row or the small-image a_pq: group sums
    and offset sums of intervals follow from their ends in O(C + G L) memory.
    """

    group: torch.Tensor
    n_groups: int
    length: int
    dense: torch.Tensor | None = None
    bounds: tuple[torch.Tensor, torch.Tensor] | None = None

    @staticmethod
    def single(psi: torch.Tensor) -> "AxisCells":
        """Dense profiles (C, L), all centres in one group."""
        return AxisCells(torch.zeros(psi.shape[0], dtype=torch.int64), 1, psi.shape[1], dense=psi)

    def merged(self) -> "AxisCells":
        """The same profiles with every centre in one group."""
        return replace(self, group=torch.zeros_like(self.group), n_groups=1)

    @property
    def psi(self) -> torch.Tensor:
        """psi (C, L) float64, built on demand for interval profiles."""
        if self.dense is not None:
            return self.dense
        lo, hi = self.bounds
        p = torch.arange(self.length)
        return ((p >= lo[:, None]) & (p < hi[:, None])).to(torch.float64)

    def _grouped(self, rows: torch.Tensor) -> torch.Tensor:
        """Sum per group of per-centre rows (C, K) -> (G, K)."""
        if self.n_groups == 1:
            return rows.sum(0, keepdim=True)
        return torch.zeros(self.n_groups, rows.shape[1], dtype=rows.dtype).index_add_(0, self.group, rows)

    @cached_property
    def counts(self) -> torch.Tensor:
        """n_g: centres per group, (G,) float64."""
        return torch.bincount(self.group, minlength=self.n_groups).to(torch.float64)

    def sums(self) -> torch.Tensor:
        """s_g[p] = sum_{c in g} psi_c[p], (G, L): for intervals, +1 at lo and -1 at hi, then a cumulative sum."""
        if self.dense is not None:
            return self._grouped(self.dense)
        lo, hi = self.bounds
        edges = torch.zeros(self.n_groups, self.length + 1, dtype=torch.float64)
        one = torch.ones(lo.shape[0], dtype=torch.float64)
        edges.index_put_((self.group, lo), one, accumulate=True).index_put_((self.group, hi), -one, accumulate=True)
        return edges.cumsum(1)[:, :-1]

    def pair_matrices(self) -> torch.Tensor:
        """T_g[p, q] = sum_{c in g} psi_c[p] psi_c[q], (G, L, L)."""
        psi = self.psi
        return torch.stack([psi[self.group == g].T @ psi[self.group == g] for g in range(self.n_groups)])

    def pair_rows(self, p: int) -> torch.Tensor:
        """T_g[p, :], (G, L)."""
        psi = self.psi
        return self._grouped(psi * psi[:, p : p + 1])

    @cached_property
    def pair_offsets(self) -> torch.Tensor:
        """t_g(D) = sum_p T_g[p, p + D], (G, 2L - 1), D = -(L-1)..L-1."""
        if self.dense is not None:
            return self._grouped(autocorrelation(self.dense, 1))
        # an interval of length l holds (l - |D|)_+ pairs at offset D: histogram the lengths per group
        lo, hi = self.bounds
        lengths, which = torch.unique(hi - lo, return_inverse=True)
        hist = torch.zeros(self.n_groups, lengths.numel(), dtype=torch.float64)
        hist.index_put_((self.group, which), torch.ones(lo.shape[0], dtype=torch.float64), accumulate=True)
        d = torch.arange(-(self.length - 1), self.length, dtype=torch.float64).abs()
        return hist @ (lengths.to(torch.float64)[:, None] - d).clamp_min(0.0)


@dataclass(frozen=True)
class PairBlock:
    """One term sum_{a,b} F[a, b] T^y_a (x) T^x_b of a_pq; F is (Gy, Gx)."""

    y: AxisCells
    x: AxisCells
    weight: torch.Tensor

    def factors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(Ty (Gy, H*H), F Tx (Gy, W*W)): the block is their contraction over the group index."""
        ty = self.y.pair_matrices().flatten(1)
        return ty, self.weight @ self.x.pair_matrices().flatten(1)

    def row(self, py: int, px: int) -> torch.Tensor:
        """sum_ab F[a,b] T^y_a[py, :] (x) T^x_b[px, :], (H, W)."""
        return self.y.pair_rows(py).T @ (self.weight @ self.x.pair_rows(px))

    def offsets(self) -> torch.Tensor:
        """Offset sums sum_ab F[a,b] t^y_a(dy) t^x_b(dx), (2H - 1, 2W - 1)."""
        return self.y.pair_offsets.T @ (self.weight @ self.x.pair_offsets)


def affine_offsets(u: torch.Tensor) -> torch.Tensor:
    """U(D) = sum over pairs (p, p + D) of u[p]: (..., H, W) -> (..., 2H - 1, 2W - 1), by 2-D prefix sums."""
    h, w = u.shape[-2:]
    prefix = torch.nn.functional.pad(u.to(torch.float64).cumsum(-2).cumsum(-1), (1, 0, 1, 0))  # (..., H+1, W+1)
    d = torch.arange(-(h - 1), h)
    y0, y1 = (-d).clamp_min(0), h - d.clamp_min(0)  # rows p with p and p + dy inside: [y0, y1)
    e = torch.arange(-(w - 1), w)
    x0, x1 = (-e).clamp_min(0), w - e.clamp_min(0)

    def at(ys: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
        return prefix[..., ys, :][..., xs]

    return at(y1, x1) - at(y0, x1) - at(y1, x0) + at(y0, x0)


@dataclass
class ExactPairWeights(PairWeights):
    """Exact weights a_pq = C + u[p] + u[q] + sum of blocks; a_p given directly (may differ from a_pp)."""

    size: Size
    a_p: torch.Tensor  # (H, W)
    const: float
    u: torch.Tensor  # (H, W)
    blocks: list[PairBlock]
    details: dict[str, Any] = field(default_factory=dict)
    method: str = "exact"

    @property
    def a_pq(self) -> torch.Tensor:
        """The full matrix (HW, HW), pixels flattened row-major; only for H*W <= 4096."""
        self._check_matrix_fits()
        h, w = self.size
        d = h * w
        u = self.u.flatten()
        out = self.const + u[:, None] + u[None, :]
        if self.blocks:
            pairs = [b.factors() for b in self.blocks]
            ty = torch.cat([p[0] for p in pairs])  # (sum Gy, H*H)
            tx = torch.cat([p[1] for p in pairs])  # (sum Gy, W*W)
            block = (ty.T @ tx).reshape(h, h, w, w).permute(0, 2, 1, 3).reshape(d, d)
            out = out + block
        return out

    def row(self, p: Any) -> torch.Tensor:
        """a_pq for q over the image, (H, W); p a flat index or (py, px)."""
        py, px = check_pixel(p, self.size)
        out = self.const + self.u[py, px] + self.u.clone()
        for b in self.blocks:
            out += b.row(py, px)
        return out

    @cached_property
    def offset_sums(self) -> torch.Tensor:
        """S(dy, dx) = sum over ordered pairs (p, p + (dy, dx)) of a_pq, (2H - 1, 2W - 1)."""
        u = affine_offsets(self.u)
        out = self.const * pair_counts(self.size) + u + u.flip(0, 1)  # U(-D) sums u[q]
        single = [b for b in self.blocks if b.weight.shape == (1, 1)]
        if single:  # rank-one blocks (CutMix, GMix): all of them in one matrix product
            ys = torch.cat([b.y.pair_offsets for b in single])  # (n, 2H - 1)
            xs = torch.cat([b.weight[0, 0] * b.x.pair_offsets for b in single])  # (n, 2W - 1)
            out += ys.T @ xs
        for b in self.blocks:
            if b.weight.shape != (1, 1):
                out += b.offsets()
        return out

    def profile(self, metric: str = "chebyshev") -> Profile:
        """Mean a_pq over ordered pairs at each distance (pixels), with pair counts."""
        distance, mean, count = bin_offsets(self.offset_sums, self.size, metric)
        return Profile(metric, distance, mean, count)
