"""R2 through the first layer: f(x) = g(W x + b)  =>  J_i = J_g W (docs/theory.md section 7).

    R2 = (1/2n) sum_i tr(W (A * C_i) W^T K_i),   K_i = J_g(z_i)^T h''(f(x_i)) J_g(z_i),  z_i = W x_i + b,

with A broadcast over channel pairs and C_i = Sigma + u_i u_i^T, so that
tr(W (A * C_i) W^T K_i) = tr(h'' P_i S_W P_i^T) + tr(h'' (P_i W diag u_i) A~ (P_i W diag u_i)^T),
P_i = J_g(z_i) (K, m), S_W = W (A~ * Sigma) W^T (m, m), A~ the broadcast A.
W is the first layer as a matrix (m, d): a Linear weight, or a Conv2d applied
to the d basis images (small images only). This is a second route to R2,
through the layer's weights instead of input gradients; the two agree.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from msda_theory.regularizers.data_moments import data_moments
from msda_theory.regularizers.derivatives import as_rows, jacobians
from msda_theory.regularizers.losses import get_loss
from msda_theory.weights import PairWeights


def find_first_layer(model: nn.Module) -> nn.Linear | nn.Conv2d:
    """``model.first_layer``, or the first module of an ``nn.Sequential`` (after an optional Flatten)."""
    layer = getattr(model, "first_layer", None)
    if layer is None and isinstance(model, nn.Sequential) and len(model) > 0:
        layer = model[1] if isinstance(model[0], nn.Flatten) and len(model) > 1 else model[0]
    if not isinstance(layer, (nn.Linear, nn.Conv2d)):
        raise ValueError("first_layer_r2 needs a model whose first layer is nn.Linear or nn.Conv2d "
                         "(as model.first_layer or the first module of an nn.Sequential)")
    return layer


def first_layer_matrix(layer: nn.Linear | nn.Conv2d, in_shape: tuple[int, int, int]) -> Tensor:
    """The layer's linear part as a matrix W (m, d), d = C H W (bias left out)."""
    c, h, w = in_shape
    d = c * h * w
    if isinstance(layer, nn.Linear):
        if layer.in_features != d:
            raise ValueError(f"the first Linear layer takes {layer.in_features} inputs, the images have {d}")
        return layer.weight.detach()
    basis = torch.eye(d, dtype=layer.weight.dtype, device=layer.weight.device).reshape(d, c, h, w)
    out = F.conv2d(basis, layer.weight.detach(), None, layer.stride, layer.padding, layer.dilation, layer.groups)
    return out.reshape(d, -1).T


def upper_network(model: Callable[[Tensor], Tensor], layer: nn.Module, x: Tensor) -> Callable[[Tensor], Tensor]:
    """g: first-layer outputs z (B, m) -> model outputs, by replacing the layer's output with z."""

    def g(z: Tensor) -> Tensor:
        handle = layer.register_forward_hook(lambda mod, inp, out: z.reshape(out.shape))
        try:
            return model(x[: z.shape[0]])
        finally:
            handle.remove()

    return g


def first_layer_r2(model: nn.Module, x: Tensor, y: Tensor, weights: PairWeights, *, loss: str = "ce",
                   reference: Tensor | None = None, batch_size: int = 256) -> float:
    """R2 = (1/2n) sum_i tr(W (A * C_i) W^T K_i) for images x (n, C, H, W) and pixel weights
    ``weights`` (a ``PairWeights``, e.g. ``pair_weights(...)``; only ``a_pq`` (HW, HW) is used)."""
    layer = find_first_layer(model)
    glm = get_loss(loss)
    n, c, h, w = x.shape
    a_pq = torch.as_tensor(weights.a_pq).to(x)
    if a_pq.shape != (h * w, h * w):
        raise ValueError(f"a_pq must have shape {(h * w, h * w)}, got {tuple(a_pq.shape)}")
    moments = data_moments(x if reference is None else reference.to(x))
    with torch.no_grad():
        mat = first_layer_matrix(layer, (c, h, w)).to(x)  # (m, d)
        s_w = mat @ (a_pq.repeat(c, c) * moments.cov) @ mat.T  # (m, m)
        f = as_rows(model, glm)
        total = x.new_zeros(())
        for start in range(0, n, batch_size):
            xb = x[start:start + batch_size]
            z_out = f(xb)
            hess = glm.hessian(z_out)  # (B, K, K)
            z_first = layer(xb.flatten(1) if isinstance(layer, nn.Linear) else xb).reshape(xb.shape[0], -1)  # (B, m)
            p = jacobians(as_rows(upper_network(model, layer, xb), glm), z_first)  # (B, K, m)
            t1 = p @ s_w @ p.transpose(1, 2)  # (B, K, K)
            q = ((p @ mat) * moments.offsets(xb)[:, None, :]).reshape(xb.shape[0], -1, c, h * w).sum(2)  # (B, K, HW)
            t2 = q @ a_pq @ q.transpose(1, 2)
            total += (hess * (t1 + t2)).sum()
    return float(total / (2 * n))
