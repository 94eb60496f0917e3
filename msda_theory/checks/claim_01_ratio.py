"""Claim 1 (docs/theory.md section 9): (a) end to end through ``mix``, the label weight of each image equals the
mean of the mask actually applied to its pixels; (b) E[λ] per family, measured, no verdict.

Judges the stored ``ratio`` experiment (``msda_theory.experiments.analytic.run_ratio``).
"""
from __future__ import annotations

from msda_theory.checks.registry import CheckContext, Measurement, check

TOLERANCE = 8 * 2.0 ** -23
"""Eight float32 ulps at 1: mix() builds the soft labels in the default dtype (float32) even for float64
images, so λ is rounded there; a wrong λ (λ0 instead of mean(M)) is off by up to 0.2 for CutMix."""


@check("1a", "End to end through mix(), every family and both modes: the label weight of each image equals the mean "
             "of the mask actually applied to its pixels (recovered from the mixed pixels)", "derived",
       "msda-theory check --only 1a")
def label_weight_is_mask_mean(ctx: CheckContext) -> Measurement:
    result, config = ctx.result("ratio")
    gaps = result["max_gap"]
    top = max(gaps.values())
    size = config["size"]
    return Measurement(
        value=f"max |label weight − mean(recovered mask)| = {top:.1e} over {len(gaps)} (family, mode) cases, "
              f"{config['calls']} calls of {config['batch']} images {size[0]}×{size[1]} each (float64 images, float32 "
              f"labels; tolerance {TOLERANCE:.1e})",
        verdict="holds" if top <= TOLERANCE else "fails",
        summary=f"max gap {top:.1e} (tolerance {TOLERANCE:.1e}) over {len(gaps)} family/mode cases",
        method="mix() on float64 images whose pixels differ from their flip partner's by ≥ 0.1; mask recovered as "
               "(x~ − r)/(x − r), averaged over channels; label weight read from the soft label of the image's own "
               "(unique) class",
        details={"max_gap": gaps},
    )


@check("1b", "E[λ] per family (the mixing ratio actually shown, λ = mean(M)), measured: a property of the family, "
             "not a prediction (nothing in docs/theory.md sections 3-4 needs E[λ] = 1/2)", "derived",
       "msda-theory check --only 1b")
def mean_ratio(ctx: CheckContext) -> Measurement:
    result, config = ctx.result("ratio")
    stats, size = result["ratios"], config["size"]
    return Measurement(
        value="; ".join(f"{name}: E[λ] = {s['mean_lam']:.4f} ± {s['se_lam']:.4f} (drawn λ0 {s['mean_lam0']:.4f})"
                        for name, s in stats.items()) + f" (n = {config['n_masks']} masks each, {size[0]}×{size[1]}, α = 1)",
        verdict="measured",
        summary="E[λ] ± SE: " + ", ".join(f"{name} {s['mean_lam']:.3f} ± {s['se_lam']:.3f}" for name, s in stats.items())
                + f" (n = {config['n_masks']} each)",
        method="Draw n masks per family; mean of λ = mean(M) and of the drawn λ0, SE = std/√n",
        details={"stats": stats},
        discussion=("Official CutMix shows E[λ] ≈ 0.70 at 32 px: its box has side floor(N√(1−λ0)) with even width and "
                    "is clipped at the border, so the area it pastes is at most (1−λ0)HW. Labels use λ = mean(M) "
                    "(row 1a), so nothing is mislabelled; the weights a, A of section 3 are taken under D~ with this λ."),
    )
