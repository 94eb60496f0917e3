"""Helpers of the decomposition experiments (docs/theory.md section 5): the smooth small models, the binary
task used for bce on a multi-class set, and the scales of the Taylor check. The experiments that use them
(``analytic``, ``small``) write through the results store; ``msda-theory decompose`` uses ``binary_labels``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from msda_theory import models

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
