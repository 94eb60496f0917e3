"""Claim 5: the remainder of the decomposition is third order (docs/theory.md section 5)."""
from __future__ import annotations

from msda_theory.checks.registry import CheckContext, Measurement, check

BAND = 0.2


@check("5", "For logistic and softmax losses on smooth nonlinear networks, |L_msda(t) - L_std - R1(t) - R2(t) - R3(t)| "
            "has log-log slope 3 in the perturbation scale t, for every family", "derived",
       "msda-theory check --only 5")
def taylor_order(ctx: CheckContext) -> Measurement:
    result = ctx.results("taylor")[0]
    slopes = {f"{r['loss']}/{r['family']}": r["slope"] for r in result["rows"]}
    of_mean = {f"{r['loss']}/{r['family']}": r.get("slope_of_mean") for r in result["rows"]}
    off = max(abs(s - 3.0) for s in slopes.values())
    return Measurement(
        value="slopes " + ", ".join(f"{k} {v:.3f}" for k, v in slopes.items()) + f" (max |slope - 3| = {off:.3f})",
        verdict="holds" if off <= BAND else "fails",
        summary=(f"log-log slopes {min(slopes.values()):.3f}–{max(slopes.values()):.3f} over {len(slopes)} "
                 f"loss/family cases (max |slope − 3| {off:.3f} ≤ {BAND} needed)"),
        method=f"direct estimator, per-draw remainder with the same draws for t in {[round(t, 4) for t in result['ts']]}, "
               f"tanh {result['rows'][0]['model']} on digits, float64; least-squares slope of log(mean |per-draw remainder|), the size the O(t^3) "
               "statement bounds",
        details={"slopes": slopes, "slopes of |mean remainder|": of_mean, "rows": result["rows"]},
        discussion="ReLU networks have a zero input Hessian almost everywhere (R3 = 0) and a kinked loss along delta; "
                   "the slope-3 statement needs a smooth network. Change of statistic (disclosed): this row used to "
                   "regress log|mean remainder|. In the first evidence run (tanh CNN) that slope was 1.52 for "
                   "bce/cutmix because the mean third-order term cancels across draws: the mean remainder was "
                   "-2.8e-13 ± 5.4e-12 at t = 0.01 and changed sign with t, so its log-log slope measured noise, not "
                   "the order. Each draw's remainder is what O(t^3) bounds, so the row now regresses the mean of "
                   "|per-draw remainder|; the slopes of |mean remainder| stay in the details "
                   f"({', '.join(f'{k} {v:.2f}' for k, v in of_mean.items() if v is not None)}).",
    )
