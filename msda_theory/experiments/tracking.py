"""Claim 7: L_msda against L_std + R1 + R2 + R3 along training (Zhang et al. 2021, Fig. 1 analogue).

The model is trained by ``train.fit`` (the one training loop) with the family's mask law; before
training (the same initial weights, ``init_model``) and after every epoch (``fit``'s callback) both
sides are evaluated on a fixed subset of the training images by the direct estimator, with the same
draws every time. Measured against the MSDA excess, not against L_msda (dominated by L_std):

    explained = (R1 + R2 + R3) / (L_msda − L_std) = 1 − remainder / (L_msda − L_std),
    se(explained) ≈ se(remainder) / |L_msda − L_std|   (per-draw remainder; the excess treated as fixed).

After the last epoch, a scan over the perturbation scale t (``t_scan`` of the preset):
with δ → tδ (docs/theory.md sections 4-5) R1 scales by t, R2 and R3 by t², and the exact MSDA excess is
L(x + tδ) − L(x), so

    explained(t) = (t R1 + t² (R2 + R3)) / (L_msda(t) − L_std),   explained(t) − 1 = O(t) as t → 0,

on the same images with one set of draws for every t (``regularizers.taylor_scan``); it shows up to which
scale the truncation holds at the trained model. At t = 1 it reproduces the last row when both estimators
draw in chunks of the same size (2048 evaluations here: the same draws; measured equal for the evidence CNN).
Not done before training: there the last row's explained fraction at t = 1 is already ≈ 1, and a second scan
would add about 2-3 s per run.

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
from msda_theory.masks._base import MaskSampler
from msda_theory.regularizers.decompose import decompose
from msda_theory.regularizers.taylor import taylor_scan
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


def explained_by_scale(model: nn.Module, x: torch.Tensor, y: torch.Tensor, sampler: MaskSampler,
                       ts: tuple[float, ...], n_masks: int, seed: int) -> dict[str, list[float]]:
    """explained(t) = (R1(t) + R2(t) + R3(t)) / (L_msda(t) − L_std) for each t in ``ts`` (theory.md sections 4-5).

    R1(t) = t R1, R2(t) + R3(t) = t² (R2 + R3) and L_msda(t) = E l(x_i + t δ, y_i), from one set of draws
    (seeded by ``seed``) for every t; se(explained) = se(remainder(t)) / |excess(t)| (the excess treated as
    fixed, as for the rows along training). Returns lists over t: 't', 'excess', 'r_sum', 'remainder',
    'remainder_se', 'explained', 'explained_se'.
    """
    probe = copy.deepcopy(model).double().eval()
    scan = taylor_scan(probe, x.double(), y, sampler, ts, loss="ce", n_masks=n_masks,
                       generator=torch.Generator().manual_seed(seed))
    out: dict[str, list[float]] = {k: [] for k in ("t", "excess", "r_sum", "remainder", "remainder_se",
                                                    "explained", "explained_se")}
    for k, t in enumerate(scan["t"]):
        excess = scan["l_msda"][k] - scan["l_std"][k]
        r_sum = scan["r1"][k] + scan["r2"][k] + scan["r3"][k]
        for key, value in (("t", t), ("excess", excess), ("r_sum", r_sum), ("remainder", scan["remainder"][k]),
                           ("remainder_se", scan["remainder_se"][k]),
                           ("explained", r_sum / excess if excess != 0 else float("nan")),
                           ("explained_se", scan["remainder_se"][k] / abs(excess) if excess != 0 else float("nan"))):
            out[key].append(value)
    return out


def run_tracking(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """One (family, α) run: per evaluation (epoch 0 = before training) the decomposition terms; the explained
    fraction against the perturbation scale t and the gradient alignment after training."""
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
    ts = tuple(float(t) for t in config["t_scan"])
    t_scan = {"trained": explained_by_scale(model, x, y, sampler, ts, config["n_masks"], seed + 1)}
    return {"family": train.family, "alpha": sampler.alpha, "data": train.data, "n_eval": len(y),
            "n_masks": config["n_masks"], "rows": rows, "alignment": alignment, "t_scan": t_scan}


__all__ = ["explained_by_scale", "run_tracking"]
