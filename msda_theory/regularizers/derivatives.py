"""Input derivatives of a model through ``torch.func`` (docs/theory.md section 4).

All functions work on a batch x (B, C, H, W) of independent images (the
model must treat samples independently: eval mode for batch norm) and never
loop over samples in Python:

- ``anchor_terms``: f(x_i), e_i = h'(f(x_i)) - y_i and g_i = J_i^T e_i (one vjp);
- ``jacobians``: J_i, (B, K, d) (one vjp, vmapped over the K output directions);
- ``directional_derivatives``: J_i delta and delta^T H_ic delta for many
  directions per image (forward-over-forward jvp, vmapped over directions, so
  the primal pass runs once per image);
- ``hessian_vector_products``: (sum_c e_ic H_ic) v for many v per image
  (forward-over-reverse).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator

import torch
from torch import Tensor, nn
from torch.func import grad, jvp, vjp, vmap

from msda_theory.regularizers.losses import GLMLoss, output_rows

Model = Callable[[Tensor], Tensor]


@contextmanager
def eval_mode(model: Any) -> Iterator[Any]:
    """``model`` in eval mode inside the block (batch norm on its running statistics, no dropout), its own
    mode restored afterwards; a plain callable passes through. Train mode would mix the images of a batch
    (batch statistics) or draw randomness inside a vmap, which ``torch.func`` refuses."""
    if not isinstance(model, nn.Module):
        yield model
        return
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for m, training in modes:
            m.training = training


def as_rows(model: Model, loss: GLMLoss) -> Callable[[Tensor], Tensor]:
    """x (B, C, H, W) -> outputs (B, K), with the output shape checked for ``loss``."""
    return lambda x: output_rows(model(x), loss)


def anchor_terms(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(z_i = f(x_i) (B, K), e_i = h'(z_i) - y_i (B, K), g_i = J_i^T e_i (B, C, H, W))."""
    z, pullback = vjp(f, x)
    e = loss.h_prime(z) - y
    (g,) = pullback(e)
    return z, e, g


def jacobians(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """J_i = d f(x_i) / d x_i for each image: (B, K, d)."""
    z, pullback = vjp(f, x)
    k = z.shape[1]
    basis = torch.eye(k, dtype=z.dtype, device=z.device)[:, None, :].expand(k, *z.shape)  # (K, B, K)
    (rows,) = vmap(pullback)(basis)  # (K, B, C, H, W)
    return rows.reshape(k, x.shape[0], -1).transpose(0, 1)


def directional_derivatives(f: Callable[[Tensor], Tensor], x: Tensor, deltas: Tensor) -> tuple[Tensor, Tensor]:
    """(J_i delta, [delta^T H_ic delta]_c) for deltas (S, B, C, H, W): each (S, B, K).

    Forward over forward: t -> f(x + t delta) differentiated twice at t = 0.
    """

    def along(delta: Tensor) -> tuple[Tensor, Tensor]:
        def slope(point: Tensor) -> Tensor:
            return jvp(f, (point,), (delta,))[1]

        return jvp(slope, (x,), (delta,))

    return vmap(along)(deltas)


def hessian_vector_products(f: Callable[[Tensor], Tensor], e: Tensor, x: Tensor, vectors: Tensor) -> Tensor:
    """(sum_c e_ic H_ic(x_i)) v for vectors (S, B, C, H, W) and fixed coefficients e (B, K): (S, B, C, H, W).

    phi(x) = sum_i e_i . f(x_i) separates over images, so its gradient is per image.
    """
    e = e.detach()

    def phi(point: Tensor) -> Tensor:
        return (e * f(point)).sum()

    gradient = grad(phi)
    return vmap(lambda v: jvp(gradient, (x,), (v,))[1])(vectors)
