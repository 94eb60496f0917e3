"""Gradient alignment (claim 7): the cosine between the parameter gradients of L_msda and of
L_std + R1 + R2 + R3, both estimated on the same images and the same draws (docs/theory.md sections 3-4).

With the direct estimator's draws (``regularizers.direct.draw``: M~ ~ D~, partner r, δ = (1 − M~) ⊙ (r − x_i)),

    L_msda ≈ (1/nU) Σ_i Σ_u l(f(x_i + δ_iu), y_i),
    L_approx = (1/n) Σ_i l_i + (1/nU) Σ_i Σ_u [ e_i·J_i δ + ½ (J_i δ)^T h''_i (J_i δ) + ½ Σ_c e_ic δ^T H_ic δ ],

and alignment = cos(∇_θ L_msda, ∇_θ L_approx). Uncertainty: the images are split into G groups; the
gradients are sums of per-group gradients, so the delete-one-group jackknife gives

    se = sqrt((G − 1)/G · Σ_g (cos_(−g) − mean_g cos_(−g))²).
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from msda_theory.masks._base import MaskSampler
from msda_theory.regularizers.derivatives import directional_derivatives
from msda_theory.regularizers.direct import draw
from msda_theory.regularizers.losses import get_loss, label_rows, output_rows


def _group_gradients(model: nn.Module, x: Tensor, y: Tensor, delta: Tensor, loss_name: str) -> tuple[Tensor, Tensor]:
    """Flat parameter gradients of the summed (over images and draws / U) L_msda and L_approx terms."""
    loss = get_loss(loss_name)
    params = [p for p in model.parameters() if p.requires_grad]
    f = lambda v: output_rows(model(v), loss)
    z = f(x)
    rows = label_rows(y, z.shape[1], loss, z.dtype)
    units = delta.shape[0]
    mixed = loss.value(f((x + delta).reshape(-1, *x.shape[1:])).reshape(units, x.shape[0], -1), rows).sum() / units
    e = loss.h_prime(z) - rows
    j1, j2 = directional_derivatives(f, x, delta)  # (U, B, K) each
    approx = loss.value(z, rows).sum() + ((e * j1).sum(-1) + 0.5 * loss.quadratic(z, j1)
                                          + 0.5 * (e * j2).sum(-1)).sum() / units
    g_mixed = torch.cat([g.reshape(-1) for g in torch.autograd.grad(mixed, params, retain_graph=True)])
    g_approx = torch.cat([g.reshape(-1) for g in torch.autograd.grad(approx, params)])
    return g_mixed, g_approx


def _cosine(a: Tensor, b: Tensor) -> float:
    return float((a @ b) / (a.norm() * b.norm()))


def gradient_alignment(model: nn.Module, x: Tensor, y: Tensor, sampler: MaskSampler, *, n_masks: int,
                       groups: int = 8, loss: str = "ce", generator: torch.Generator) -> dict[str, Any]:
    """cos(∇_θ L_msda, ∇_θ L_approx) on images x (n, C, H, W), partners drawn from x, with its jackknife SE.

    Raises:
        ValueError: fewer images than groups, groups < 2 or n_masks < 1.
    """
    n = x.shape[0]
    if groups < 2 or n < groups:
        raise ValueError(f"need at least 2 groups and one image per group, got {groups} groups for {n} images")
    if n_masks < 1:
        raise ValueError(f"n_masks must be a positive integer, got {n_masks!r}")
    draws = draw(sampler, n, tuple(x.shape[-2:]), n, n_masks=n_masks, partners="sample", generator=generator,
                 dtype=x.dtype, device=x.device)
    delta = draws.deltas(x, x, slice(None))  # (U, n, C, H, W)
    parts = [slice(k * n // groups, (k + 1) * n // groups) for k in range(groups)]
    grads = [_group_gradients(model, x[p], y[p], delta[:, p], loss) for p in parts]
    total_m, total_a = sum(g[0] for g in grads), sum(g[1] for g in grads)
    leave_out = [_cosine(total_m - gm, total_a - ga) for gm, ga in grads]
    mean = sum(leave_out) / groups
    se = math.sqrt((groups - 1) / groups * sum((c - mean) ** 2 for c in leave_out))
    return {"cosine": _cosine(total_m, total_a), "cosine_se": se, "groups": groups, "n": n, "n_masks": n_masks}


__all__ = ["gradient_alignment"]
