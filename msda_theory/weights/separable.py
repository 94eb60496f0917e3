"""Exact pixel-pair weights in separable form (theory.md sections 4 and 6).

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

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import torch

from msda_theory.masks._base import Size
from msda_theory.weights.result import PairWeights, Profile, autocorrelation, bin_offsets, check_pixel, pair_counts


@dataclass(frozen=True)
class AxisCells:
    """Centre profiles along one axis, psi (C, L) float64, and each centre's group (C,) int64."""

    psi: torch.Tensor
    group: torch.Tensor
    n_groups: int
    contiguous: bool = False  # every psi_c is the indicator of one interval (no wrap-around)

    @staticmethod
    def single(psi: torch.Tensor) -> "AxisCells":
        """All centres in one group."""
        return AxisCells(psi, torch.zeros(psi.shape[0], dtype=torch.int64), 1)

    @cached_property
    def _onehot(self) -> torch.Tensor:
        """Z[g, c] = 1 if centre c is in group g, (G, C) float64."""
        return torch.nn.functional.one_hot(self.group, self.n_groups).T.to(torch.float64)

    def _grouped(self, rows: torch.Tensor) -> torch.Tensor:
        """Sum per group of per-centre rows (C, L) -> (G, L)."""
        return rows.sum(0, keepdim=True) if self.n_groups == 1 else self._onehot @ rows

    @cached_property
    def counts(self) -> torch.Tensor:
        """n_g: centres per group, (G,)."""
        return self._onehot.sum(1)

    @cached_property
    def sums(self) -> torch.Tensor:
        """s_g[p] = sum_{c in g} psi_c[p], (G, L)."""
        return self._grouped(self.psi)

    def pair_matrices(self) -> torch.Tensor:
        """T_g[p, q] = sum_{c in g} psi_c[p] psi_c[q], (G, L, L)."""
        return torch.stack([self.psi[self.group == g].T @ self.psi[self.group == g] for g in range(self.n_groups)])

    def pair_rows(self, p: int) -> torch.Tensor:
        """T_g[p, :], (G, L)."""
        return self._grouped(self.psi * self.psi[:, p : p + 1])

    @cached_property
    def pair_offsets(self) -> torch.Tensor:
        """t_g(D) = sum_p T_g[p, p + D], (G, 2L - 1), D = -(L-1)..L-1."""
        if self.contiguous:  # an interval of length l holds (l - |D|)_+ pairs at offset D
            length = self.psi.sum(1, keepdim=True)
            d = torch.arange(-(self.psi.shape[1] - 1), self.psi.shape[1], dtype=torch.float64).abs()
            return self._grouped((length - d).clamp_min(0.0))
        return self._grouped(autocorrelation(self.psi, 1))


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
        for b in self.blocks:
            out += b.offsets()
        return out

    def profile(self, metric: str = "chebyshev") -> Profile:
        """Mean a_pq over ordered pairs at each distance (pixels), with pair counts."""
        distance, mean, count = bin_offsets(self.offset_sums, self.size, metric)
        return Profile(metric, distance, mean, count)
