"""Claim 8: R2 through the first layer equals the input-gradient form (theory.md section 7)."""
from __future__ import annotations

import torch

from msda_theory import masks
from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.data import load
from msda_theory.regularizers import MaskSet, decompose, first_layer_r2
from msda_theory.regularizers.experiments import small_model
from msda_theory.weights import strategy_weights

TOLERANCE = 1e-8


@check("8", "MSDA is a regularization of the first layer parameters: R2 = (1/2n) sum_i tr(W (A * C_i) W^T K_i) equals "
            "the input-gradient form", "paper", "msda-theory check --only 8")
def first_layer_form(ctx: CheckContext) -> Measurement:
    data = load("digits")
    n = 16 if ctx.quick else 128
    x, y = data.x[:n].double(), data.y[:n]
    gaps = {}
    for arch in ("linear", "mlp", "cnn"):
        model = small_model(arch, (1, 8, 8), data.num_classes, seed=ctx.seed)
        for offset, family in enumerate(masks.PAPER_FAMILIES):
            mask_set = MaskSet(masks.get(family).sample(64, (8, 8), generator=ctx.generator(offset), dtype=torch.float64)[0])
            layer_form = first_layer_r2(model, x, y, strategy_weights(mask_set, (8, 8)), loss="ce")
            gradient_form = decompose(model, x, y, mask_set, loss="ce", estimator="moment", n_masks=2,
                                      generator=ctx.generator(offset)).r2
            gaps[f"{arch}/{family}"] = abs(layer_form - gradient_form) / abs(gradient_form)
    top = max(gaps.values())
    return Measurement(
        value=f"max relative difference {top:.1e} (deterministic; tolerance {TOLERANCE:g})",
        verdict="holds" if top <= TOLERANCE else "fails",
        method=f"float64, {n} digits, tanh linear/MLP/CNN (conv first layer as a matrix), the weights of a 64-mask set",
        details={"relative_difference": gaps},
        discussion="Paper quote: 'MSDA behaves as ... a regularization of the first layer parameters'. The identity is "
                   "J_i = J_g W; the paper's statement about which directions are penalized is probed elsewhere.",
    )
