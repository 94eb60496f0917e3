"""What ``pair_weights`` returns: a_p, a_pq, rows and distance profiles (docs/theory.md sections 4 and 6).

Both estimators (exact and Monte Carlo) describe a_pq by its sums over pixel
pairs at each offset, S(dy, dx) = sum_{p, q = p + (dy, dx)} a_pq, an array
(2H - 1, 2W - 1) indexed by dy + H - 1, dx + W - 1; the distance profile is
S summed over the offsets at each distance, divided by the number of ordered
pairs (p, q) there (p = q included, at distance 0).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from msda_theory.masks._base import Size

METRICS = ("chebyshev", "euclidean")
MAX_MATRIX_PIXELS = 4096


@dataclass(frozen=True)
class Profile:
    """Mean of a_pq over ordered pixel pairs at each distance (pixels); ``se`` only for Monte Carlo."""

    metric: str
    distance: torch.Tensor  # (K,) float64, pixels, increasing
    mean: torch.Tensor  # (K,)
    count: torch.Tensor  # (K,) int64: ordered pairs (p, q) at that distance
    se: torch.Tensor | None = None  # (K,)

    def as_dict(self) -> dict[str, Any]:
        """JSON form: {"metric", "distance", "mean", "count"} (+ "se")."""
        out: dict[str, Any] = {"metric": self.metric, "distance": self.distance.tolist(),
                               "mean": self.mean.tolist(), "count": self.count.tolist()}
        if self.se is not None:
            out["se"] = self.se.tolist()
        return out


def check_metric(metric: str) -> str:
    """Validate a distance metric name."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")
    return metric


def check_pixel(p: Any, size: Size) -> tuple[int, int]:
    """A pixel given as a flat index p = py * W + px or as (py, px), returned as (py, px)."""
    h, w = size
    if isinstance(p, (tuple, list)) and len(p) == 2 and all(isinstance(v, int) for v in p):
        py, px = p
    elif isinstance(p, int) and not isinstance(p, bool):
        py, px = divmod(p, w)
        if not 0 <= p < h * w:
            py = -1
    else:
        raise ValueError(f"pixel must be a flat index or a pair (py, px) of ints, got {p!r}")
    if not (0 <= py < h and 0 <= px < w):
        raise ValueError(f"pixel {p!r} lies outside the {h}x{w} image")
    return py, px


def offset_grid(size: Size) -> tuple[torch.Tensor, torch.Tensor]:
    """Signed offsets (dy, dx), each (2H - 1, 2W - 1) int64, dy = -(H-1)..H-1 along rows."""
    h, w = size
    dy = torch.arange(-(h - 1), h)[:, None].expand(-1, 2 * w - 1)
    dx = torch.arange(-(w - 1), w)[None, :].expand(2 * h - 1, -1)
    return dy, dx


def pair_counts(size: Size) -> torch.Tensor:
    """N(dy, dx) = (H - |dy|) (W - |dx|): ordered pairs at each offset, float64 (2H - 1, 2W - 1)."""
    dy, dx = offset_grid(size)
    return ((size[0] - dy.abs()) * (size[1] - dx.abs())).to(torch.float64)


def distance_bins(size: Size, metric: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance (K,), bin (2H - 1, 2W - 1) int64): the distance class of each offset."""
    dy, dx = offset_grid(size)
    if check_metric(metric) == "chebyshev":
        key = torch.maximum(dy.abs(), dx.abs())
    else:  # group by the integer squared distance, so equal distances share a bin exactly
        key = dy * dy + dx * dx
    values, bins = torch.unique(key, return_inverse=True)
    distance = values.to(torch.float64)
    return (distance if metric == "chebyshev" else distance.sqrt()), bins


def bin_offsets(values: torch.Tensor, size: Size, metric: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-distance means of offset sums: values (..., 2H - 1, 2W - 1) -> (distance, mean (..., K), count)."""
    distance, bins = distance_bins(size, metric)
    k = distance.numel()
    counts = torch.zeros(k, dtype=torch.float64).index_add_(0, bins.flatten(), pair_counts(size).flatten())
    flat = values.to(torch.float64).reshape(*values.shape[:-2], -1)
    sums = torch.zeros(*flat.shape[:-1], k, dtype=torch.float64).index_add_(-1, bins.flatten(), flat)
    return distance, sums / counts, counts.round().to(torch.int64)


def autocorrelation(x: torch.Tensor, dims: int) -> torch.Tensor:
    """c[..., D] = sum_p x[..., p] x[..., p + D] over the last ``dims`` axes, D = -(L-1)..L-1 (zero padding).

    Args:
        x: float64 (..., L) for dims=1 or (..., H, W) for dims=2.
    Returns:
        (..., 2L - 1) or (..., 2H - 1, 2W - 1), by FFT.
    """
    shape = x.shape[-dims:]
    padded = [2 * n - 1 for n in shape]  # circular length 2L - 1 holds |D| <= L - 1 without wrap-around
    axes = tuple(range(-dims, 0))
    f = torch.fft.rfftn(x, s=padded, dim=axes)
    c = torch.fft.irfftn(f.real**2 + f.imag**2, s=padded, dim=axes)
    return torch.roll(c, [n - 1 for n in shape], dims=axes)  # D = -(L-1)..L-1 in order


def check_channels(channels: int) -> int:
    """Validate a channel count C >= 1."""
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise ValueError(f"channels must be a positive integer, got {channels!r}")
    return channels


def broadcast_a_p(a_p: torch.Tensor, channels: int) -> torch.Tensor:
    """a[(c, p)] = a_p[p]: a_p (H, W) or (HW,) over the flattened (C, H, W) input, (C·HW,), a_p's dtype.

    One mask is shared by every channel (docs/theory.md section 1), so the weights repeat over channels.
    """
    return a_p.reshape(-1).repeat(check_channels(channels))


def broadcast_a_pq(a_pq: torch.Tensor, channels: int) -> torch.Tensor:
    """A[(c, p), (c', q)] = a_pq[p, q]: a_pq (HW, HW) over the flattened (C, H, W) input, (C·HW, C·HW)."""
    if a_pq.ndim != 2 or a_pq.shape[0] != a_pq.shape[1]:
        raise ValueError(f"a_pq must be a square matrix (HW, HW), got {tuple(a_pq.shape)}")
    return a_pq.repeat(check_channels(channels), channels)


class PairWeights:
    """The one result type of every a_p / a_pq estimator (exact, Monte Carlo, mask set, zeros).

    Shape convention, float64, pixel p = (py, px) flattened as p = py * W + px:

    - ``a_p``: (H, W), a_p = E_{D~}[1 - M_p];
    - ``a_pq``: (HW, HW), a_pq = E_{D~}[(1 - M_p)(1 - M_q)] (materialized only for H*W <= 4096);
    - ``row(p)``: (H, W), the row of a_pq at pixel p (flat index or (py, px));
    - ``profile(metric)``: mean a_pq per pixel distance (``Profile``);
    - ``contract(v, G)``: a . v + <A, G> with its standard error (0 when exact);
    - ``broadcast(C)``: (a, A) over a C×H×W input, shared by channels;
    - ``mean_shift``: mean_p a_p = E_{D~}[1 - lam].
    """

    size: Size
    method: str
    a_p: torch.Tensor

    @property
    def a_pq(self) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def row(self, p: Any) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def profile(self, metric: str = "chebyshev") -> Profile:  # pragma: no cover - interface
        raise NotImplementedError

    def broadcast(self, channels: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(a (C·HW,), A (C·HW, C·HW)) for a C×H×W input: the weights repeated over channels (``broadcast_a_p``,
        ``broadcast_a_pq``; A needs H*W <= 4096)."""
        return broadcast_a_p(self.a_p, channels), broadcast_a_pq(self.a_pq, channels)

    @property
    def mean_shift(self) -> float:
        """mean_p a_p = E_{D~}[1 - lam] (lam = mean(M))."""
        return float(self.a_p.mean())

    def contract(self, v: torch.Tensor, g: torch.Tensor | None = None) -> tuple[float, float]:
        """(a . v + <A, G>, its standard error): v (HW,), G (HW, HW) or None, in v's dtype."""
        value = float(self.a_p.reshape(-1).to(v) @ v)
        if g is not None:
            value += float((self.a_pq.to(g) * g).sum())
        return value, self.contract_se(v, g)

    def contract_se(self, v: torch.Tensor, g: torch.Tensor | None) -> float:
        """The standard error of ``contract``: 0 when exact; NaN when the estimator kept no per-mask terms."""
        return 0.0 if self.method == "exact" else float("nan")

    def _check_matrix_fits(self) -> None:
        h, w = self.size
        if h * w > MAX_MATRIX_PIXELS:
            raise ValueError(
                f"a_pq of a {h}x{w} image has {(h * w) ** 2} entries; it is only materialized for "
                f"H*W <= {MAX_MATRIX_PIXELS}: use row(p) or profile() instead"
            )
