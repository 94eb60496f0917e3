"""Claim 1 (docs/theory.md section 9): (a) end to end through ``mix``, the label weight of each image equals the
mean of the mask actually applied to its pixels; (b) E[λ] per family, measured, no verdict.
"""
from __future__ import annotations

import math

import torch

from msda_theory import masks
from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.mix import MODES, mix

SIZE = (32, 32)
TOLERANCE = 8 * torch.finfo(torch.float32).eps
"""Eight float32 ulps at 1: mix() builds the soft labels in the default dtype (float32) even for float64
images, so λ is rounded there; a wrong λ (λ0 instead of mean(M)) is off by up to 0.2 for CutMix."""


def recovered_gap(name: str, mode: str, batch: int, *, generator: torch.Generator) -> float:
    """max_i |y~[i, y_i] − mean_p M̂_ip| for one ``mix`` call, M̂ recovered from the mixed pixels.

    Image i < B/2 has pixels in [0.55, 0.95], its flip partner in [0.05, 0.45], so x − r is at least
    0.1 in size and M̂ = (x~ − r) / (x − r) (averaged over 3 channels) is the applied mask. Labels are
    distinct (y_i = i), so the soft label of y_i is exactly the label weight λ_i of image i.
    """
    u = torch.rand(batch, 3, *SIZE, generator=generator, dtype=torch.float64)
    x = torch.where(torch.arange(batch)[:, None, None, None] < batch // 2, 0.55 + 0.4 * u, 0.05 + 0.4 * u)
    y = torch.arange(batch)
    mixed, soft, record = mix(x, y, masks.get(name), num_classes=batch, mode=mode, pairing="flip",
                              generator=generator)
    partner = x[record.partner]
    mask = ((mixed - partner) / (x - partner)).mean(1)  # (B, H, W)
    return float((soft[y, y] - mask.mean((-2, -1))).abs().max())


@check("1a", "End to end through mix(), every family and both modes: the label weight of each image equals the mean "
             "of the mask actually applied to its pixels (recovered from the mixed pixels)", "derived",
       "msda-theory check --only 1a")
def label_weight_is_mask_mean(ctx: CheckContext) -> Measurement:
    batch, calls = (8, 20) if ctx.quick else (16, 200)
    gaps = {f"{name}/{mode}": max(recovered_gap(name, mode, batch, generator=ctx.generator(k * 7 + j))
                                  for j in range(calls))
            for k, name in enumerate(masks.FAMILIES) for mode in MODES}
    top = max(gaps.values())
    return Measurement(
        value=f"max |label weight − mean(recovered mask)| = {top:.1e} over {len(gaps)} (family, mode) cases, "
              f"{calls} calls of {batch} images {SIZE[0]}×{SIZE[1]} each (float64 images, float32 labels; tolerance {TOLERANCE:.1e})",
        verdict="holds" if top <= TOLERANCE else "fails",
        summary=f"max gap {top:.1e} (tolerance {TOLERANCE:.1e}) over {len(gaps)} family/mode cases",
        method="mix() on float64 images whose pixels differ from their flip partner's by ≥ 0.1; mask recovered as "
               "(x~ − r)/(x − r), averaged over channels; label weight read from the soft label of the image's own "
               "(unique) class",
        details={"max_gap": gaps},
    )


def ratio_statistics(name: str, n: int, *, generator: torch.Generator) -> dict[str, float]:
    """Mean shown ratio λ = mean(M) and drawn ratio λ0 over n masks, with SE = std / √n."""
    sampler = masks.get(name)
    lam0 = masks.draw_beta(n, sampler.alpha, generator=generator)
    _, lam = sampler.render(lam0, SIZE, generator=generator, dtype=torch.float64)
    return {"mean_lam": float(lam.mean()), "se_lam": float(lam.std() / math.sqrt(n)),
            "mean_lam0": float(lam0.mean()), "se_lam0": float(lam0.std() / math.sqrt(n))}


@check("1b", "E[λ] per family (the mixing ratio actually shown, λ = mean(M)), measured: a property of the family, "
             "not a prediction (nothing in docs/theory.md sections 3-4 needs E[λ] = 1/2)", "derived",
       "msda-theory check --only 1b")
def mean_ratio(ctx: CheckContext) -> Measurement:
    n = 5_000 if ctx.quick else 50_000  # 50k masks of 32×32 in float64: 400 MB per family at once
    stats = {name: ratio_statistics(name, n, generator=ctx.generator(k)) for k, name in enumerate(masks.FAMILIES)}
    return Measurement(
        value="; ".join(f"{name}: E[λ] = {s['mean_lam']:.4f} ± {s['se_lam']:.4f} (drawn λ0 {s['mean_lam0']:.4f})"
                        for name, s in stats.items()) + f" (n = {n} masks each, {SIZE[0]}×{SIZE[1]}, α = 1)",
        verdict="measured",
        summary="E[λ] ± SE: " + ", ".join(f"{name} {s['mean_lam']:.3f} ± {s['se_lam']:.3f}" for name, s in stats.items())
                + f" (n = {n} each)",
        method="Draw n masks per family; mean of λ = mean(M) and of the drawn λ0, SE = std/√n",
        details={"stats": stats},
        discussion=("Official CutMix shows E[λ] ≈ 0.70 at 32 px: its box has side floor(N√(1−λ0)) with even width and "
                    "is clipped at the border, so the area it pastes is at most (1−λ0)HW. Labels use λ = mean(M) "
                    "(row 1a), so nothing is mislabelled; the weights a, A of section 3 are taken under D~ with this λ."),
    )
