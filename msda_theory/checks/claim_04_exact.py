"""Claim 4: the decomposition is exact for squared loss and an affine model (docs/theory.md section 5)."""
from __future__ import annotations

import torch
from torch import nn

from msda_theory import masks
from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.regularizers import MaskSet, decompose

TOLERANCE = 1e-10


@check("4", "For squared loss and an affine model, L_msda = L_std + R1 + R2 exactly (R3 = 0), for any finite mask set "
            "with the weights of that set", "derived", "msda-theory check --only 4")
def exact_identity(ctx: CheckContext) -> Measurement:
    g = ctx.generator()
    n, c, h, w, s = (6, 2, 4, 5, 8) if ctx.quick else (12, 3, 8, 8, 32)
    x = torch.rand(n, c, h, w, generator=g, dtype=torch.float64)
    y = torch.randn(n, 3, generator=g, dtype=torch.float64)
    with torch.random.fork_rng():
        torch.manual_seed(ctx.seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 3)).double()
    worst: dict[str, float] = {}
    for family in masks.FAMILIES:
        mask_set = MaskSet(masks.get(family).sample(s, (h, w), generator=g, dtype=torch.float64)[0])
        for estimator in ("moment", "direct"):
            r = decompose(model, x, y, mask_set, loss="mse", estimator=estimator, n_masks="all", partners="all")
            worst[f"{family}/{estimator}"] = abs(r.remainder)
    top = max(worst.values())
    return Measurement(
        value=f"max |remainder| = {top:.1e} (exact sums, no sampling error; tolerance {TOLERANCE:g})",
        verdict="holds" if top <= TOLERANCE else "fails",
        summary=f"max |remainder| {top:.1e} (tolerance {TOLERANCE:g}) over {len(worst)} family/estimator cases",
        method=f"float64, affine model, n = {n} images {c}x{h}x{w}, {s} masks per family, all partners and both "
               "orientations enumerated; both estimators",
        details={"max_abs_remainder": worst},
    )
