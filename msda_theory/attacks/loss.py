"""The loss an attack ascends and its gradient with respect to the input only.

    loss(x', y) = CE(f(x'), y)              logits (B, K), K >= 2
    loss(x', y) = BCE_logits(f(x'), y)      one logit (B,) or (B, 1), y in {0, 1}

(docs/theory.md section 8: the inner maximisation of the adversarial loss). The
model runs in eval mode with its parameters frozen, so one attack step costs
one forward and one backward to the input, and no gradient lands on the
parameters.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from msda_theory.models import is_binary


def per_sample_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """CE(logits, y) for (B, K) logits, BCE with logits for (B,) or (B, 1). Returns (B,)."""
    if is_binary(logits):
        z = logits.reshape(-1)
        return F.binary_cross_entropy_with_logits(z, y.to(z.dtype), reduction="none")
    if logits.dim() != 2:
        raise ValueError(f"model output must be (B,), (B, 1) or (B, K) logits, got shape {tuple(logits.shape)}")
    return F.cross_entropy(logits, y, reduction="none")


@contextmanager
def attack_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Eval mode and frozen parameters inside the block; both restored afterwards."""
    was_training = model.training
    params = [p for p in model.parameters() if p.requires_grad]
    model.eval()
    for p in params:
        p.requires_grad_(False)
    try:
        yield model
    finally:
        for p in params:
            p.requires_grad_(True)
        model.train(was_training)


def input_gradient(
    model: nn.Module, x_adv: torch.Tensor, y: torch.Tensor, *, validate: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """grad_x sum_b loss(f(x_adv[b]), y[b]) and the logits: one forward, one backward.

    Returns (grad (B, ...) like x_adv, logits detached). Summing (not averaging)
    keeps each sample's gradient independent of the batch size. ``validate``
    checks the labels against the output first (one host sync; first step only).
    """
    x_adv = x_adv.detach().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x_adv)
        if validate:
            check_labels(logits, y)
        loss = per_sample_loss(logits, y).sum()
        if not loss.requires_grad:
            raise ValueError("model output does not depend on its input through autograd")
        (grad,) = torch.autograd.grad(loss, x_adv)
    return grad, logits.detach()


def zero_gradient(grad: torch.Tensor) -> torch.Tensor:
    """(B,) bool: True where a sample's input gradient is exactly zero everywhere."""
    return ~grad.reshape(grad.shape[0], -1).ne(0).any(dim=1)


def check_labels(logits: torch.Tensor, y: torch.Tensor) -> None:
    """Labels fit the output: y in {0, 1} for one logit, 0 <= y < K otherwise."""
    top = 2 if is_binary(logits) else logits.shape[-1]
    if y.numel() and (y.min() < 0 or y.max() >= top):
        raise ValueError(f"labels must lie in 0..{top - 1} for a model with this output, got {y.min().item()}..{y.max().item()}")
