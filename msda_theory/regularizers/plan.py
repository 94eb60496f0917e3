"""Which estimator ``decompose`` runs, and what it will cost, before it runs (docs/theory.md section 4).

The work of each estimator is counted in forward-pass equivalents (F) per image,
with U the evaluations per image (draws x orientations x partners), d = C H W
and K the outputs:

    direct  ~ U (1 + DRAW) + 3                        one forward for the loss and one
                                                       forward-over-forward jvp per draw, one vjp
    moment  ~ U + 6 + 2 (1 + 2 K) + 2 d HVP            the loss draws, two vjps, two Jacobian passes,
                                                       and one HVP per input coordinate for each of
                                                       the two Hessian sums of G3 (moment_form.py)

DRAW = 8 and HVP = 4 were measured against one forward pass of the softplus CNN on
28 x 28 images (CPU, one thread: 4.5 ms per direct draw and 1.9 ms per HVP against
0.49 ms per forward). ``estimator="auto"`` picks the moment form only where it is
cheaper: small images with many draws (28 x 28 with 64 draws: direct is about 11x cheaper).
The estimate in seconds multiplies the work by one timed forward pass.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

import torch
from torch import Tensor

logger = logging.getLogger(__name__)

DRAW = 8.0
HVP = 4.0
LONG_RUN = 30.0  # seconds: estimates above this are logged at INFO, below at DEBUG


@dataclass(frozen=True)
class Work:
    """Forward-pass equivalents per image for each estimator, and the seconds of one forward pass per image."""

    direct: float
    moment: float
    forward_seconds: float

    def seconds(self, estimator: str, n: int) -> float:
        """The estimated run time of ``estimator`` on n images: n * work * forward seconds."""
        return n * getattr(self, estimator) * self.forward_seconds


def work_per_image(evaluations: int, d: int, k: int) -> tuple[float, float]:
    """(direct, moment) work per image in forward-pass equivalents, as in the module docstring."""
    direct = evaluations * (1 + DRAW) + 3
    moment = evaluations + 6 + 2 * (1 + 2 * k) + 2 * d * HVP
    return direct, moment


def forward_seconds(f: Callable[[Tensor], Tensor], x: Tensor, batch: int = 32) -> float:
    """Seconds of one forward pass per image, timed on the first ``batch`` images (no gradient)."""
    part = x[:batch]
    with torch.no_grad():
        start = time.perf_counter()
        f(part)
        return (time.perf_counter() - start) / part.shape[0]


def estimate(f: Callable[[Tensor], Tensor], x: Tensor, evaluations: int, k: int) -> Work:
    """The work of both estimators on images x (n, C, H, W) with ``evaluations`` per image and K outputs."""
    direct, moment = work_per_image(evaluations, x[0].numel(), k)
    return Work(direct=direct, moment=moment, forward_seconds=forward_seconds(f, x))


def choose(requested: str, work: Work, *, moment_ready: bool = True) -> str:
    """The estimator to run: ``requested`` itself, or for 'auto' the cheaper one (direct on a tie, and
    direct where the moment form's weights are not ready: no fast exact form and no ``weights="mc"``)."""
    if requested != "auto":
        return requested
    return "moment" if moment_ready and work.moment < work.direct else "direct"


def log_plan(requested: str, chosen: str, work: Work, n: int) -> None:
    """Log the chosen estimator and its estimated cost (INFO when it exceeds LONG_RUN seconds)."""
    seconds = work.seconds(chosen, n)
    level = logging.INFO if seconds > LONG_RUN else logging.DEBUG
    logger.log(level, "decompose: estimator %s%s on %d images, about %.3g forward passes (~%.0f s); "
               "direct %.3g, moment form %.3g forward passes per image", chosen,
               " (auto)" if requested == "auto" else "", n, n * getattr(work, chosen), seconds,
               work.direct, work.moment)
