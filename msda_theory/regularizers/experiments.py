"""The small experiments behind checks 5 and 7 and their figures (theory.md sections 5 and 9).

Shared by ``msda_theory.checks`` and ``msda_theory.figures`` so that a check
and its figure report the same numbers. Data: scikit-learn digits (8x8), or
Fashion-MNIST where asked and installed. Models: ``msda_theory.models`` with
a smooth activation (tanh), float64 for the Taylor scan.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from msda_theory import masks, models
from msda_theory.data import load
from msda_theory.regularizers.taylor import loglog_slope, taylor_scan
from msda_theory.regularizers.tracking import track_approximation

SMOOTH_ACTIVATION = "tanh"
"""Activation of the small smooth models. Softplus was tried first: with average pooling its all-positive
outputs left the CNN at chance on digits after 4 epochs (Adam, lr 3e-3), while tanh reached 0.90 test accuracy."""

TAYLOR_TS = tuple(float(t) for t in np.geomspace(0.01, 0.1, 5))
"""Scales t of the Taylor check: small enough that the t^3 term dominates the t^4 term."""


def binary_labels(y: Tensor, num_classes: int) -> Tensor:
    """The binary task used for bce on a multi-class set: target 1 when y < K / 2, else 0 (float)."""
    return (y < num_classes / 2).to(torch.get_default_dtype())


def small_model(arch: str, in_shape: tuple[int, int, int], k: int, *, seed: int, dtype: torch.dtype = torch.float64) -> nn.Module:
    """``models.build(arch, ...)`` with a smooth activation (tanh), seeded by forking the global generator."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return models.build(arch, in_shape, k, activation=SMOOTH_ACTIVATION).to(dtype).eval()


@functools.lru_cache(maxsize=4)  # a check and its figure share one run within a process
def taylor_slopes(*, quick: bool, seed: int = 0) -> dict[str, Any]:
    """Log-log slopes of |remainder(t)| for ce and bce, every paper family: {'rows': [...], 'ts': [...]}."""
    data = load("digits")
    n, n_masks, arch = (8, 4, "mlp") if quick else (64, 16, "cnn")
    x, y = data.x[:n].double(), data.y[:n]
    rows = []
    for loss in ("ce", "bce"):
        k = data.num_classes if loss == "ce" else 1
        target = y if loss == "ce" else binary_labels(y, data.num_classes).double()
        model = small_model(arch, tuple(x.shape[1:]), k, seed=seed)
        for offset, family in enumerate(masks.PAPER_FAMILIES):
            scan = taylor_scan(model, x, target, masks.get(family), TAYLOR_TS, loss=loss, n_masks=n_masks,
                               generator=torch.Generator().manual_seed(seed + offset))
            rows.append({"loss": loss, "family": family, "model": arch, "slope": loglog_slope(scan["t"], scan["remainder"]),
                         "remainder": scan["remainder"], "remainder_se": scan["remainder_se"]})
    return {"ts": list(TAYLOR_TS), "rows": rows}


@functools.lru_cache(maxsize=4)  # a check and its figure share one run within a process
def tracking_runs(*, quick: bool, seed: int = 0) -> dict[str, dict[str, list[float]]]:
    """``track_approximation`` for every paper family with a small tanh CNN.

    quick: digits, 600 training images, 3 epochs, 32 evaluation images, 4 draws each;
    full: Fashion-MNIST when installed (else digits), 10000 images, 10 epochs, 256 evaluation images, 16 draws.
    """
    name = "digits" if quick or not _has_fashion() else "fashion-mnist"
    data = load(name)
    n_train, epochs, n_eval, n_masks = (600, 3, 32, 4) if quick else (10000, 10, 256, 16)
    order = torch.randperm(data.x.shape[0], generator=torch.Generator().manual_seed(seed))
    x, y = data.x[order[:n_train]], data.y[order[:n_train]]
    runs = {}
    for offset, family in enumerate(masks.PAPER_FAMILIES):
        model = small_model("cnn", tuple(x.shape[1:]), data.num_classes, seed=seed, dtype=torch.float32)
        runs[family] = track_approximation(model, x, y, masks.get(family), num_classes=data.num_classes,
                                           eval_x=x[:n_eval], eval_y=y[:n_eval], epochs=epochs, lr=3e-3,
                                           batch_size=32, n_masks=n_masks, seed=seed + offset)
        runs[family]["data"] = name  # type: ignore[assignment]
    return runs


def _has_fashion() -> bool:
    from msda_theory.data import available
    return available("fashion-mnist")
