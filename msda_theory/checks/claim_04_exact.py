"""Claim 4: the decomposition is exact for squared loss and an affine model (docs/theory.md section 5).

Judges the stored ``identity`` experiment (``msda_theory.experiments.analytic.run_identity``)."""
from __future__ import annotations

from msda_theory.checks.registry import CheckContext, Measurement, check

TOLERANCE = 1e-10


@check("4", "For squared loss and an affine model, L_msda = L_std + R1 + R2 exactly (R3 = 0), for any finite mask set "
            "with the weights of that set", "derived", "msda-theory check --only 4")
def exact_identity(ctx: CheckContext) -> Measurement:
    result, c = ctx.result("identity")
    worst = result["max_abs_remainder"]
    top = max(worst.values())
    return Measurement(
        value=f"max |remainder| = {top:.1e} (exact sums, no sampling error; tolerance {TOLERANCE:g})",
        verdict="holds" if top <= TOLERANCE else "fails",
        summary=f"max |remainder| {top:.1e} (tolerance {TOLERANCE:g}) over {len(worst)} family/estimator cases",
        method=f"float64, affine model, n = {c['n']} images {c['channels']}x{c['height']}x{c['width']}, {c['masks']} "
               "masks per family, all partners and both orientations enumerated; both estimators",
        details={"max_abs_remainder": worst},
    )
