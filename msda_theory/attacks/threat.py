"""The threat model: an Lp ball of radius eps around x, intersected with the input bounds.

    S(x) = {x' : ||x' - x||_p <= eps,  lo <= x' <= hi},   p in {inf, 2}

(docs/theory.md section 8: the adversarial loss max_{x' in S(x)} loss(f(x'), y)).
This module holds what FGSM and PGD share about S: checking its parameters,
the steepest-ascent direction for a norm, the projection onto S and a uniform
random start inside the ball. Norms are per sample over all non-batch axes.
"""
from __future__ import annotations

import math

import torch

from msda_theory.finite import check_finite

NORMS = ("linf", "l2")

# Smallest gradient norm we divide by; a zero gradient gives a zero L2 step.
_TINY = 1e-30


def check_norm(norm: str) -> str:
    """Validate a norm name: ``"linf"`` or ``"l2"``."""
    if norm not in NORMS:
        raise ValueError(f"norm must be 'linf' or 'l2', got {norm!r}")
    return norm


def check_eps(eps: float) -> float:
    """Validate a radius: a finite float eps >= 0."""
    eps = float(eps)
    if not math.isfinite(eps) or eps < 0:
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    return eps


def check_bounds(bounds: tuple[float, float]) -> tuple[float, float]:
    """Validate input bounds (lo, hi) with lo < hi (either may be infinite)."""
    if len(bounds) != 2:
        raise ValueError(f"bounds must be a pair (lo, hi), got {bounds!r}")
    lo, hi = float(bounds[0]), float(bounds[1])
    if math.isnan(lo) or math.isnan(hi) or not lo < hi:
        raise ValueError(f"bounds must satisfy lo < hi, got ({lo}, {hi})")
    return lo, hi


def check_inputs(x: torch.Tensor, y: torch.Tensor, bounds: tuple[float, float]) -> None:
    """Check x (B, ...) floating and finite, y (B,) integer, and lo <= x <= hi."""
    if not x.is_floating_point():
        raise ValueError(f"x must be a floating tensor, got dtype {x.dtype}")
    if x.dim() < 2:
        raise ValueError(f"x must have a batch axis and at least one feature axis, got shape {tuple(x.shape)}")
    if y.shape != x.shape[:1]:
        raise ValueError(f"y must have shape ({x.shape[0]},), got {tuple(y.shape)}")
    if y.is_floating_point() or y.is_complex():
        raise ValueError(f"y must hold integer labels, got dtype {y.dtype}")
    check_finite(x, "x")  # before the bounds: a NaN pixel is not an out-of-bounds one
    lo, hi = bounds
    if x.numel() and (x.min() < lo or x.max() > hi):
        raise ValueError(
            f"x lies outside bounds ({lo}, {hi}): min {x.min().item():.6g}, max {x.max().item():.6g}"
        )


def flat_norm(v: torch.Tensor, norm: str) -> torch.Tensor:
    """||v[b]||_p over all non-batch axes: (B, ...) -> (B,)."""
    flat = v.reshape(v.shape[0], -1)
    if norm == "linf":
        return flat.abs().amax(dim=1) if flat.shape[1] else flat.new_zeros(v.shape[0])
    return torch.linalg.vector_norm(flat, ord=2, dim=1)


def _per_sample(s: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(B,) -> (B, 1, ..., 1) broadcastable against ``like``."""
    return s.reshape(-1, *([1] * (like.dim() - 1)))


def ascent_direction(grad: torch.Tensor, norm: str) -> torch.Tensor:
    """argmax_{||d||_p <= 1} <grad, d>: sign(grad) for linf, grad / ||grad||_2 for l2. (B, ...)."""
    if norm == "linf":
        return grad.sign()
    scale = flat_norm(grad, "l2").clamp_min(_TINY)
    return grad / _per_sample(scale, grad)


def project(x_adv: torch.Tensor, x: torch.Tensor, eps: float, norm: str, bounds: tuple[float, float]) -> torch.Tensor:
    """Projection onto S(x): first onto the eps-ball, then clip to bounds.

    Clipping after the ball projection stays inside the ball because x is inside
    the bounds: clipping a coordinate only moves it towards x. Returns a new tensor.
    """
    delta = x_adv - x
    if norm == "linf":
        delta = delta.clamp(-eps, eps)
    else:
        length = flat_norm(delta, "l2")
        factor = torch.where(length > eps, eps / length.clamp_min(_TINY), torch.ones_like(length))
        delta = delta * _per_sample(factor, delta)
    return (x + delta).clamp(*bounds)


def random_start(
    x: torch.Tensor, eps: float, norm: str, bounds: tuple[float, float], *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """x + delta, delta uniform in the eps-ball, then clipped to bounds. (B, ...).

    linf: delta ~ U[-eps, eps]^d. l2: delta = eps * U^(1/d) * z / ||z||, z ~ N(0, I_d),
    U ~ U[0, 1], which is uniform in the d-dimensional ball. Draws on the
    generator's device, then moves to x's device.
    """
    where = generator.device if generator is not None else x.device
    shape, d = x.shape, x[0].numel()
    if norm == "linf":
        delta = (2 * torch.rand(shape, generator=generator, device=where, dtype=x.dtype) - 1) * eps
    else:
        z = torch.randn(shape, generator=generator, device=where, dtype=x.dtype)
        u = torch.rand(shape[0], generator=generator, device=where, dtype=x.dtype)
        radius = eps * u.pow(1.0 / d) / flat_norm(z, "l2").clamp_min(_TINY)
        delta = z * _per_sample(radius, z)
    return (x + delta.to(x.device)).clamp(*bounds)
