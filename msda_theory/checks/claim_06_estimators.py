"""Claim 6: the moment and direct forms of R1, R2, R3 agree (docs/theory.md section 4).

Judges the stored ``estimators`` experiment (``msda_theory.experiments.analytic.run_estimators``)."""
from __future__ import annotations

import math

from msda_theory.checks.registry import CheckContext, Measurement, check

Z_MAX = 4.5
EXACT_TOLERANCE = 1e-10


@check("6", "The moment form (pixel weights times data moments) and the direct form (averages over masks and partners) "
            "of R1, R2, R3 agree, for logistic and softmax losses on a nonlinear network, every family", "derived",
       "msda-theory check --only 6")
def moment_equals_direct(ctx: CheckContext) -> Measurement:
    result, config = ctx.result("estimators")
    z_scores = {k: abs(t["moment"] - t["direct"]) / math.hypot(t["moment_se"], t["direct_se"])
                for k, t in result["terms"].items()}
    top, exact_gap = max(z_scores.values()), result["exact_relative_gap"]
    return Measurement(
        value=f"max |moment - direct| / SE = {top:.2f} over {len(z_scores)} comparisons; exact enumeration: max "
              f"relative gap {exact_gap:.1e}",
        verdict="holds" if top <= Z_MAX and exact_gap <= EXACT_TOLERANCE else "fails",
        summary=(f"max |moment − direct|/SE {top:.2f} (≤ {Z_MAX} needed) over {len(z_scores)} comparisons; "
                 f"exact enumeration gap {exact_gap:.1e}"),
        method=f"tanh MLP on {config['n']} digits, float64; moment form with Monte Carlo weights, direct form with "
               f"{config['draws']} draws per image; SE = sqrt(SE_moment^2 + SE_direct^2); plus a mask set enumerated "
               "exactly by both",
        details={"z_scores": z_scores, "exact_relative_gap": exact_gap},
    )
