"""Claim 1 (theory.md section 9): lam = mean(M) for every mask; E[lam] = 1/2 for Beta(alpha, alpha)."""
from __future__ import annotations

import math

import torch

from msda_theory import masks
from msda_theory.checks.registry import CheckContext, Measurement, check

SIZE = (32, 32)


def ratio_statistics(name: str, n: int, *, generator: torch.Generator) -> dict[str, float]:
    """Mean shown ratio lam and drawn ratio lam0 over n masks, with SE = std / sqrt(n)."""
    sampler = masks.get(name)
    lam0 = masks.draw_beta(n, sampler.alpha, generator=generator)
    mask, lam = sampler.render(lam0, SIZE, generator=generator, dtype=torch.float64)
    return {
        "max_abs_lam_minus_mask_mean": float((lam - mask.mean((-2, -1))).abs().max()),
        "mean_lam": float(lam.mean()),
        "se_lam": float(lam.std() / math.sqrt(n)),
        "mean_lam0": float(lam0.mean()),
        "se_lam0": float(lam0.std() / math.sqrt(n)),
    }


@check(
    id="1",
    claim="λ = mean(M) for every mask of every family, and E[λ] = 1/2 for Beta(α, α) (the ratio shown equals the ratio used for labels).",
    source="derived",
    command="msda-theory check --only 1",
)
def shown_ratio(ctx: CheckContext) -> Measurement:
    n = 5_000 if ctx.quick else 200_000
    stats = {name: ratio_statistics(name, n, generator=ctx.generator(k)) for k, name in enumerate(masks.FAMILIES)}
    exact = all(s["max_abs_lam_minus_mask_mean"] == 0.0 for s in stats.values())
    z = {name: (s["mean_lam"] - 0.5) / s["se_lam"] for name, s in stats.items()}
    off = [name for name, zz in z.items() if abs(zz) > 4]
    value = "; ".join(f"{name}: E[λ] = {s['mean_lam']:.4f} ± {s['se_lam']:.4f}" for name, s in stats.items())
    value += f" (n = {n} masks each, {SIZE[0]}×{SIZE[1]}, α = 1); max |λ − mean(M)| = 0 in all: {exact}"
    verdict = "holds" if exact and not off else "fails"
    discussion = ""
    if off:
        drawn = ", ".join(f"{stats[o]['mean_lam0']:.4f} ± {stats[o]['se_lam0']:.4f}" for o in off)
        discussion = (
            f"E[λ] differs from 1/2 by more than 4 SE for {', '.join(off)} "
            f"(z = {', '.join(f'{z[o]:.0f}' for o in off)}). The drawn ratio λ0 has mean 1/2 in every family "
            f"({drawn}), but the official "
            "CutMix box has side floor(N√(1−λ0)) with half-extents cut//2 (an even width) and is clipped at the "
            "border, so its area is at most (1−λ0)HW and the ratio actually shown, λ = 1 − area/(HW), is at least λ0. "
            "Training code that labels with λ0 instead of mean(M) would mislabel; msda_theory always uses mean(M). "
            "Mixup and HMix keep λ = λ0, FMix rounds its pixel count without bias, and GMix's λ is symmetric about 1/2."
        )
    return Measurement(value=value, verdict=verdict, details={"stats": stats, "z": z},
                       method="Draw n masks per family; compare λ with mean(M) and E[λ] with 1/2 (|z| ≤ 4, SE = std/√n).",
                       discussion=discussion)
