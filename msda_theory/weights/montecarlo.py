"""Monte Carlo a_p, a_pq for any mask law, with standard errors (docs/theory.md sections 3 and 4).

D~ is realized by importance weights: each mask M ~ D_M, lam = mean(M), gives one
iid value per quantity, v = lam phi(1 - M) + (1 - lam) phi(M) with phi the
weight's integrand on the perturbed region (1 - M), e.g. v_pq = lam (1 - M_p)(1 - M_q)
+ (1 - lam) M_p M_q. Estimates are means of v, and SE = std(v) / sqrt(n)
(ddof = 1). Masks are streamed in batches, so memory does not grow with n.
For H*W <= 4096 the full a_pq is accumulated by (B, d)^T (B, d) matmuls; the
distance profile always comes from per-mask FFT autocorrelations.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import torch
from tqdm.auto import tqdm

from msda_theory.finite import check_finite
from msda_theory.masks._base import Size
from msda_theory.weights.separable import affine_offsets
from msda_theory.weights.result import (
    MAX_MATRIX_PIXELS, METRICS, PairWeights, Profile, autocorrelation, bin_offsets, check_metric, check_pixel, distance_bins, pair_counts,
)


class _Moments:
    """Running sum and sum of squares of iid values of a fixed shape."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.total = torch.zeros(shape, dtype=torch.float64)
        self.squares = torch.zeros(shape, dtype=torch.float64)

    def add(self, values: torch.Tensor) -> None:
        """values (B, *shape)."""
        self.total += values.sum(0)
        self.squares += (values * values).sum(0)

    def mean_se(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, std(ddof=1) / sqrt(n))."""
        mean = self.total / n
        var = (self.squares / n - mean * mean).clamp_min(0.0) * n / max(n - 1, 1)
        return mean, (var / n).sqrt()


@dataclass
class MonteCarloPairWeights(PairWeights):
    """Monte Carlo weights and standard errors; ``a_pq`` only when H*W <= 4096, rows as accumulated."""

    size: Size
    n_samples: int
    a_p: torch.Tensor
    a_p_se: torch.Tensor
    matrix: tuple[torch.Tensor, torch.Tensor] | None  # (a_pq, se), (HW, HW)
    rows: dict[tuple[int, int], tuple[torch.Tensor, torch.Tensor]]
    profiles: dict[str, Profile]
    details: dict[str, Any] = field(default_factory=dict)
    method: str = "mc"

    @property
    def a_pq(self) -> torch.Tensor:
        """Mean of v_pq over the masks, (HW, HW)."""
        self._check_matrix_fits()
        return self.matrix[0]

    @property
    def a_pq_se(self) -> torch.Tensor:
        """Standard error of each a_pq entry, (HW, HW)."""
        self._check_matrix_fits()
        return self.matrix[1]

    def _row(self, p: Any, which: int) -> torch.Tensor:
        py, px = check_pixel(p, self.size)
        if self.matrix is not None:
            return self.matrix[which][py * self.size[1] + px].reshape(self.size)
        if (py, px) not in self.rows:
            raise ValueError(f"row {(py, px)} was not accumulated; pass rows=[{(py, px)}] to pair_weights")
        return self.rows[(py, px)][which]

    def row(self, p: Any) -> torch.Tensor:
        """a_pq for q over the image, (H, W)."""
        return self._row(p, 0)

    def row_se(self, p: Any) -> torch.Tensor:
        """Standard errors of ``row(p)``, (H, W)."""
        return self._row(p, 1)

    def profile(self, metric: str = "chebyshev") -> Profile:
        """Per-distance mean with per-mask standard errors."""
        return self.profiles[check_metric(metric)]


def _mask_batches(sampler: Any, size: Size, n: int, batch: int, generator: torch.Generator | None,
                  progress: bool) -> Iterable[torch.Tensor]:
    """Masks (B, H, W) in float64, n in all, each batch checked for shape and NaN or inf."""
    bar = tqdm(total=n, desc="masks", unit="mask", disable=None if progress else True, leave=False)
    done = 0
    while done < n:
        b = min(batch, n - done)
        mask, _ = sampler.sample(b, size, generator=generator, dtype=torch.float64)
        mask = torch.as_tensor(mask, dtype=torch.float64)
        if mask.shape != (b, *size):
            raise ValueError(f"sampler returned masks of shape {tuple(mask.shape)}, expected {(b, *size)}")
        yield check_finite(mask, "the sampler's output")
        done += b
        bar.update(b)
    bar.close()


def monte_carlo_pair_weights(sampler: Any, size: Size, *, n_samples: int, generator: torch.Generator | None = None,
                             rows: Iterable[Any] = (), batch_size: int | None = None,
                             progress: bool = False) -> MonteCarloPairWeights:
    """Stream n_samples masks of ``sampler`` and average the D~ weights (see the module docstring)."""
    h, w = size
    d = h * w
    full = d <= MAX_MATRIX_PIXELS
    batch = batch_size or max(1, min(1024, 2**21 // (4 * d)))
    pixels = sorted({check_pixel(p, size) for p in rows})
    ap = _Moments((h, w))
    pq = _Moments((d, d)) if full else None
    row_moments = {p: _Moments((h, w)) for p in pixels}
    bins = {m: _Moments((distance_bins(size, m)[0].numel(),)) for m in METRICS}
    counts = pair_counts(size)
    for mask in _mask_batches(sampler, size, n_samples, batch, generator, progress):
        lam = mask.mean((-2, -1))[:, None, None]  # (B, 1, 1): the ratio shown
        out = 1.0 - mask  # the perturbed region of the first branch
        ap.add(lam * out + (1.0 - lam) * mask)
        if full:
            _add_matrix(pq, out.flatten(1), mask.flatten(1), lam.flatten())
        for (py, px), mom in row_moments.items():
            mom.add(lam * out[:, py : py + 1, px : px + 1] * out + (1.0 - lam) * mask[:, py : py + 1, px : px + 1] * mask)
        offsets = _weighted_autocorrelation(mask, lam, counts)  # (B, 2H-1, 2W-1)
        for metric, mom in bins.items():
            mom.add(bin_offsets(offsets, size, metric)[1])
    n = n_samples
    profiles = {}
    for metric, mom in bins.items():
        distance, _, count = bin_offsets(torch.zeros(2 * h - 1, 2 * w - 1, dtype=torch.float64), size, metric)
        mean, se = mom.mean_se(n)
        profiles[metric] = Profile(metric, distance, mean, count, se)
    return MonteCarloPairWeights(
        size, n, *ap.mean_se(n), pq.mean_se(n) if full else None,
        {p: mom.mean_se(n) for p, mom in row_moments.items()}, profiles, {"batch_size": batch},
    )


def _add_matrix(mom: _Moments, out: torch.Tensor, mask: torch.Tensor, lam: torch.Tensor) -> None:
    """Accumulate v_pq = lam out_p out_q + (1 - lam) mask_p mask_q over a batch (B, d), and sum v^2.

    v^2 = lam^2 out_p^2 out_q^2 + (1-lam)^2 mask_p^2 mask_q^2 + 2 lam (1-lam) (out mask)_p (out mask)_q,
    each a weighted Gram matrix.
    """
    a, b = lam[:, None], (1.0 - lam)[:, None]
    mom.total += out.T @ (a * out) + mask.T @ (b * mask)
    o2, m2, om = out * out, mask * mask, out * mask
    mom.squares += o2.T @ (a * a * o2) + m2.T @ (b * b * m2) + 2.0 * om.T @ (a * b * om)


def _weighted_autocorrelation(mask: torch.Tensor, lam: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """lam ac(1 - M) + (1 - lam) ac(M) per mask, (B, 2H - 1, 2W - 1), with one FFT.

    ac(1 - M)(D) = N(D) - U(D) - U(-D) + ac(M)(D), U(D) = sum over pairs (p, p + D) of M_p.
    """
    u = affine_offsets(mask)
    return lam * (counts - u - u.flip(-2, -1)) + autocorrelation(mask, 2)
