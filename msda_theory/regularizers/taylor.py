"""The Taylor order of the decomposition: scale the perturbation, x_i + t delta (docs/theory.md section 5).

    L_msda(t) = E l(x_i + t delta, y_i),  R1(t) = t R1,  R2(t) = t^2 R2,  R3(t) = t^2 R3,
    remainder(t) = L_msda(t) - L_std - R1(t) - R2(t) - R3(t) = O(t^3).

The remainder is estimated per draw with the same draws for every t, so the
Monte Carlo noise of L_msda (of order t) cancels and the t^3 term shows. The
log-log slope of the mean |per-draw remainder| against t is 3 for smooth models (tanh, GELU,
softplus). A ReLU network has a zero input Hessian almost everywhere and a
kinked loss along delta, so R3 = 0 there and the slope is not 3 in general.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch import Tensor

from msda_theory.masks._base import MaskSampler
from msda_theory.regularizers.decompose import check_inputs, sampled_terms
from msda_theory.regularizers.settings import DecomposeSettings, check_options
from msda_theory.regularizers.derivatives import as_rows
from msda_theory.regularizers.direct import mean_and_se
from msda_theory.regularizers.losses import get_loss, label_rows


def taylor_scan(model: Callable[[Tensor], Tensor], x: Tensor, y: Tensor, sampler: MaskSampler, ts: Sequence[float], *,
                loss: str = "ce", n_masks: int | str = 16, partners: str = "sample", reference: Tensor | None = None,
                batch_size: int = 2048, generator: torch.Generator | None = None) -> dict[str, list[float]]:
    """The decomposition at each scale t in ``ts``, from one set of draws (direct estimator).

    Returns:
        A dict of lists, one value per t: 't', 'l_msda', 'l_std', 'r1', 'r2', 'r3', 'remainder', 'remainder_se',
        and 'abs_remainder' (with 'abs_remainder_se'): the mean over draws and anchors of |per-draw remainder|,
        the size that "remainder = O(t^3)" bounds. The mean remainder can cancel across draws (a third-order
        coefficient whose mean is ~0), so its log-log slope is not a test of the order; this one is.
    """
    check_inputs(model, x, y, sampler, reference)
    check_options(sampler, DecomposeSettings(estimator="direct", n_masks=n_masks, partners=partners,
                                             batch_size=batch_size))
    scales = tuple(float(t) for t in ts)
    if not scales or any(not np.isfinite(t) or t <= 0 for t in scales):
        raise ValueError(f"ts must be a non-empty sequence of positive numbers, got {list(ts)!r}")
    glm = get_loss(loss)
    reference = x if reference is None else reference.to(device=x.device, dtype=x.dtype)
    f = as_rows(model, glm)
    exact = n_masks == "all" and partners == "all"
    with torch.no_grad():
        rows = label_rows(y, f(x[:1]).shape[1], glm, x.dtype).to(x.device)
        v = sampled_terms(f, glm, x, rows, reference, sampler, n_masks=n_masks, partners=partners, derivatives=True,
                          scales=scales, batch_size=batch_size, generator=generator)
    l_std = float(v["l_std"].mean())
    r1 = mean_and_se(v["first"], exact=exact)[0]
    r2 = mean_and_se(v["second_gn"], exact=exact)[0]
    r3 = mean_and_se(v["second_h"], exact=exact)[0]
    keys = ("t", "l_msda", "l_std", "r1", "r2", "r3", "remainder", "remainder_se", "abs_remainder", "abs_remainder_se")
    out: dict[str, list[float]] = {key: [] for key in keys}
    for k, t in enumerate(scales):
        per_unit = v["loss"][k] - v["l_std"] - t * v["first"] - t * t * (v["second_gn"] + v["second_h"])
        remainder, remainder_se, _ = mean_and_se(per_unit, exact=exact)
        size, size_se, _ = mean_and_se(per_unit.abs(), exact=exact)
        for key, value in (("t", t), ("l_msda", mean_and_se(v["loss"][k], exact=exact)[0]), ("l_std", l_std),
                           ("r1", t * r1), ("r2", t * t * r2), ("r3", t * t * r3), ("remainder", remainder),
                           ("remainder_se", remainder_se), ("abs_remainder", size), ("abs_remainder_se", size_se)):
            out[key].append(value)
    return out


def loglog_slope(ts: Sequence[float], values: Sequence[float]) -> float:
    """Least-squares slope of log|value| against log t."""
    t, v = np.log(np.asarray(ts, dtype=float)), np.log(np.abs(np.asarray(values, dtype=float)))
    return float(np.polyfit(t, v, 1)[0])
