"""Claim 7: L_msda against L_std + R1 + R2 + R3 along training (Zhang et al. 2021, Fig. 1 analogue).

The model is trained by ``train.fit`` (the one training loop) with the family's mask law; before
training (the same initial weights, ``init_model``) and after every epoch (``fit``'s callback) both
sides are evaluated on a fixed subset of the training images by the direct estimator, with the same
draws every time. Measured against the MSDA excess, not against L_msda (dominated by L_std):

    explained = (R1 + R2 + R3) / (L_msda − L_std) = 1 − remainder / (L_msda − L_std),
    se(explained) ≈ se(remainder) / |L_msda − L_std|   (per-draw remainder; the excess treated as fixed).

After the last epoch, the gradient alignment cos(∇_θ L_msda, ∇_θ (L_std + R1 + R2 + R3)) on the same
images with fresh draws (``experiments.alignment``), with a delete-one-group jackknife SE over
``alignment_groups`` groups of images (each with its own draws).
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from msda_theory.experiments.alignment import gradient_alignment
from msda_theory.regularizers.decompose import decompose
from msda_theory.train import TrainConfig, fit, prepare_task
from msda_theory.train.fit import init_model


def _evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, config: TrainConfig, n_masks: int,
              seed: int) -> dict[str, float]:
    probe = copy.deepcopy(model).double().eval()
    r = decompose(probe, x.double(), y, config.sampler(), loss="ce", estimator="direct", n_masks=n_masks,
                  progress=False, generator=torch.Generator().manual_seed(seed))  # the same draws at every evaluation
    excess = r.l_msda - r.l_std
    return {"l_msda": r.l_msda, "l_msda_se": r.l_msda_se, "l_std": r.l_std, "r1": r.r1, "r2": r.r2, "r3": r.r3,
            "remainder": r.remainder, "remainder_se": r.remainder_se, "excess": excess,
            "explained": (r.r1 + r.r2 + r.r3) / excess if excess != 0 else float("nan"),
            "explained_se": r.remainder_se / abs(excess) if excess != 0 else float("nan"),
            "relative_gap": r.remainder / r.l_msda}


def run_tracking(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One (family, α) run: per evaluation (epoch 0 = before training) the decomposition terms."""
    train = TrainConfig.from_dict({**TrainConfig().to_dict(), **config["train"], "seed": seed})
    task = prepare_task(train)
    x, y = task.x_train[: config["n_eval"]], task.y_train[: config["n_eval"]]
    rows = [{"epoch": 0, "train_loss": float("nan"),
             **_evaluate(init_model(train, task), x, y, train, config["n_masks"], seed + 1)}]

    def track(epoch: int, model: nn.Module, record: dict[str, Any]) -> None:
        rows.append({"epoch": epoch, "train_loss": record["train_loss"],
                     **_evaluate(model, x, y, train, config["n_masks"], seed + 1)})

    model = copy.deepcopy(fit(train, progress=False, callback=track).model).double().eval()
    sampler = train.sampler()
    alignment = gradient_alignment(model, x.double(), y, sampler, n_masks=config["n_masks"],
                                   groups=config["alignment_groups"], generator=torch.Generator().manual_seed(seed + 2))
    return {"family": train.family, "alpha": sampler.alpha, "data": train.data, "n_eval": len(y),
            "n_masks": config["n_masks"], "rows": rows, "alignment": alignment}


__all__ = ["run_tracking"]
