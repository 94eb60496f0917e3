"""Data moments of the partner law D_X (docs/theory.md section 1).

r ~ uniform over the reference images {x_1..x_m} (default: the anchors):

    mu = (1/m) sum_j x_j,   Sigma = (1/m) sum_j (x_j - mu)(x_j - mu)^T,
    C_i = E_r[(r - x_i)(r - x_i)^T] = Sigma + u_i u_i^T,   u_i = mu - x_i.

C_i is never stored per sample: the estimators use Sigma once and u_i.
"""
from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor


@dataclass(frozen=True)
class DataMoments:
    """mu (d,) and Sigma (d, d) (or None when not asked for) of images (m, C, H, W), d = C H W."""

    mean: Tensor
    cov: Tensor | None

    def offsets(self, x: Tensor) -> Tensor:
        """u_i = mu - x_i for anchors x (B, C, H, W): (B, d)."""
        return self.mean - x.reshape(x.shape[0], -1)


def data_moments(reference: Tensor, *, covariance: bool = True) -> DataMoments:
    """mu and Sigma (1/m normalization, as in docs/theory.md section 1) of ``reference`` (m, C, H, W)."""
    flat = reference.reshape(reference.shape[0], -1)
    mean = flat.mean(0)
    if not covariance:
        return DataMoments(mean, None)
    centred = flat - mean
    return DataMoments(mean, centred.T @ centred / flat.shape[0])
