"""L_msda versus its second-order approximation along training (theory.md section 5; Zhang et al. 2021, Fig. 1).

A model is trained with MSDA batches (``msda_theory.mix.mix``, soft-label
cross-entropy h(z) - y~ . z); before training and after every epoch both
L_msda and L_std + R1 + R2 + R3 are evaluated on a fixed subset by the direct
estimator, with the same draws every time (a generator seeded per epoch from
one seed), so that their gap is measured per draw.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import Tensor, nn

from msda_theory.masks._base import MaskSampler
from msda_theory.mix import mix
from msda_theory.regularizers.decompose import decompose
from msda_theory.regularizers.losses import get_loss


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor, sampler: MaskSampler,
                num_classes: int, *, batch_size: int, generator: torch.Generator) -> float:
    """One epoch of MSDA training (one mask per batch, random pairing); returns the mean batch loss."""
    ce = get_loss("ce")
    model.train()
    order = torch.randperm(x.shape[0], generator=generator)
    losses = []
    for start in range(0, x.shape[0], batch_size):
        idx = order[start:start + batch_size]
        xm, ym, _ = mix(x[idx], y[idx], sampler, num_classes=num_classes, pairing="perm", generator=generator)
        loss = ce.value(model(xm), ym).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    model.eval()
    return sum(losses) / len(losses)


def track_approximation(model: nn.Module, x: Tensor, y: Tensor, sampler: MaskSampler, *, num_classes: int,
                        eval_x: Tensor, eval_y: Tensor, epochs: int = 3, lr: float = 3e-3, batch_size: int = 64,
                        n_masks: int = 8, generator: torch.Generator | None = None, seed: int = 0) -> dict[str, Any]:
    """Train ``model`` (in place) with MSDA and record, at epoch 0 (before) and after each epoch, on (eval_x, eval_y):
    'l_msda', 'l_msda_se', 'approx' (= L_std + R1 + R2 + R3), 'remainder', 'remainder_se', 'relative_gap'
    (= remainder / l_msda), 'l_std', 'r1', 'r2', 'r3', 'train_loss' (nan at epoch 0); lists over epochs 0..epochs."""
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    generator = generator if generator is not None else torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    keys = ("epoch", "train_loss", "l_msda", "l_msda_se", "approx", "remainder", "remainder_se", "relative_gap",
            "l_std", "r1", "r2", "r3")
    record: dict[str, list[float]] = {k: [] for k in keys}
    for epoch in range(epochs + 1):
        train_loss = float("nan")
        if epoch:
            train_loss = train_epoch(model, optimizer, x, y, sampler, num_classes, batch_size=batch_size,
                                     generator=generator)
        probe = copy.deepcopy(model).double().eval()
        r = decompose(probe, eval_x.double(), eval_y, sampler, loss="ce", estimator="direct", n_masks=n_masks,
                      generator=torch.Generator().manual_seed(seed + 1))  # the same draws at every epoch
        approx = r.l_std + r.r1 + r.r2 + r.r3
        values = (epoch, train_loss, r.l_msda, r.l_msda_se, approx, r.remainder, r.remainder_se,
                  r.remainder / r.l_msda, r.l_std, r.r1, r.r2, r.r3)
        for key, value in zip(keys, values):
            record[key].append(float(value))
    return record
