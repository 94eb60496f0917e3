"""Claim 11, mechanism version: train with the explicit regularizer L_std + R1 + R2 (no mixing).

docs/theory.md sections 4 and 9. With the data moments of the training set (``data_moments``),
u_i = μ − x_i, C_i = Σ + u_i u_i^T, e_i = h'(z_i) − y_i, J_i = ∂z_i/∂x (K, d) and a strategy's
pixel weights a (HW), A (HW, HW) broadcast over the channels (the mask is shared by them):

    R1_i = Σ_(c,p) a_p g_i[c, p] u_i[c, p],             g_i = ∇_x l(f(x_i), y_i) = J_i^T e_i,
    R2_i = ½ Σ_kl h''_i[k, l] Q_i[k, l],                 Q_i = J_i (A ⊙ Σ) J_i^T + (J_i ⊙ u_i) A (J_i ⊙ u_i)^T,

which is the moment form of ``regularizers.moment_form`` written per image (½ tr(h'' J (A ⊙ C_i) J^T)).
Both are differentiable in the parameters (double backward), so the objective
mean_i (l_i + R1_i + R2_i) is minimized directly. Mixup's a, A against CutMix's, the same data and
seeds as the mixing version (``fit``'s init and data-order streams), so only a and A differ: the
label and occlusion confounds of mixing are absent.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from msda_theory.regularizers.data_moments import DataMoments, data_moments
from msda_theory.regularizers.losses import GLMLoss, get_loss, label_rows, output_rows
from msda_theory.train import TrainConfig, prepare_task
from msda_theory.train.fit import init_model, stream_seeds
from msda_theory.train.loop import evaluate, make_optimizer, train_epoch
from msda_theory.weights.result import broadcast_a_p, broadcast_a_pq


@dataclass(frozen=True)
class ExplicitWeights:
    """a (d,) and A (d, d) over the flattened (C, H, W) input, broadcast from a_p (H, W) and a_pq (HW, HW)."""

    a: Tensor
    big_a: Tensor

    @staticmethod
    def from_pixels(a_p: Tensor, a_pq: Tensor, channels: int, dtype: torch.dtype = torch.float32) -> ExplicitWeights:
        hw = a_p.numel()
        if a_pq.shape != (hw, hw):
            raise ValueError(f"a_pq must be ({hw}, {hw}) for a_p of {hw} pixels, got {tuple(a_pq.shape)}")
        return ExplicitWeights(broadcast_a_p(a_p, channels).to(dtype), broadcast_a_pq(a_pq, channels).to(dtype))


def explicit_terms(model: nn.Module, x: Tensor, y: Tensor, loss: GLMLoss, moments: DataMoments,
                   weights: ExplicitWeights) -> tuple[Tensor, Tensor, Tensor]:
    """Per-image (l_std, R1, R2), each (B,), differentiable in the model's parameters."""
    if moments.cov is None:
        raise ValueError("the explicit regularizer needs the data covariance (data_moments(covariance=True))")
    x = x.detach().clone().requires_grad_(True)
    z = output_rows(model(x), loss)  # (B, K)
    rows = label_rows(y, z.shape[1], loss, z.dtype)
    l_std = loss.value(z, rows)
    u = moments.offsets(x.detach())  # (B, d)
    jac = torch.stack([torch.autograd.grad(z[:, k].sum(), x, create_graph=True)[0].flatten(1)
                       for k in range(z.shape[1])], 1)  # (B, K, d)
    g = ((loss.h_prime(z) - rows)[:, :, None] * jac).sum(1)  # J^T e: (B, d)
    r1 = (g * u * weights.a).sum(1)
    ju = jac * u[:, None, :]
    q = jac @ (weights.big_a * moments.cov) @ jac.transpose(1, 2) + ju @ weights.big_a @ ju.transpose(1, 2)
    r2 = 0.5 * (loss.hessian(z) * q).sum((1, 2))
    return l_std, r1, r2


OBJECTIVES = {"explicit-r1-r2": (True, True), "explicit-r2": (False, True)}
"""The explicit objectives by name: l + R1 + R2 (theory.md section 11's wording) and l + R2 (the a_pq term only).
l + R1 + R2 is unbounded below for cross-entropy: R1 is linear in the Jacobian with weight h' − y, R2 quadratic
with weight h'', and h'' → 0 faster than h' − y where the model is confidently wrong; 2 of 12 Mixup evidence runs
on the local task found that direction (objective −14 and −27, test accuracy 0.50). R2 alone is ≥ 0."""


def train_explicit(config: TrainConfig, train_set: Any, test_set: Any, a_p: Tensor, a_pq: Tensor,
                   objective: str = "explicit-r1-r2") -> dict[str, Any]:
    """Minimize mean_i (l_i + R1_i + R2_i) (or, ``objective="explicit-r2"``, mean_i (l_i + R2_i)) with ``config``'s
    model, optimizer, schedule, epochs and seed, through the library's one training step
    (``train.loop.train_epoch`` with an ``objective``).

    Initial weights and data order come from ``fit``'s streams for ``config.seed`` (the mixing run of the
    same seed starts from the same weights and sees the batches in the same order). Returns the last
    epoch's clean train / test accuracy and the per-epoch objective ("train_loss_curve").
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {objective!r}")
    with_r1, _ = OBJECTIVES[objective]
    task = prepare_task(config, train_set, test_set)
    model = init_model(config, task)
    optimizer = make_optimizer(config, model)
    loss = get_loss("bce" if task.outputs == 1 else "ce")
    moments = data_moments(task.x_train.float())
    weights = ExplicitWeights.from_pixels(a_p, a_pq, task.in_shape[0])
    order_generator = torch.Generator().manual_seed(stream_seeds(config.seed)[1])

    def step_objective(net: nn.Module, xb: Tensor, yb: Tensor) -> Tensor:
        l_std, r1, r2 = explicit_terms(net, xb, yb, loss, moments, weights)
        return (l_std + r1 + r2 if with_r1 else l_std + r2).mean()

    curve = [train_epoch(model, optimizer, task, config, epoch=epoch, order_generator=order_generator,
                         mix_generator=torch.Generator(), objective=step_objective)["train_loss"]
             for epoch in range(config.epochs)]
    test, clean = evaluate(model, task.x_test, task.y_test), evaluate(model, task.x_train, task.y_train)
    return {"test_accuracy": test["accuracy"], "clean_train_accuracy": clean["accuracy"], "train_loss_curve": curve}


__all__ = ["OBJECTIVES", "ExplicitWeights", "explicit_terms", "train_explicit"]
