"""Claim 7 (derived): how much of the MSDA excess L_msda − L_std the second-order truncation R1 + R2 + R3
explains along training (Zhang et al. 2021, Figure 1 analogue), measured on the stored ``tracking`` experiment.

Rule, fixed before the evidence run: at the last epoch, for every family at α = 1, the explained fraction
(R1 + R2 + R3) / (L_msda − L_std) has its 95% interval (± 1.96 se) inside [0.8, 1.2] → holds; some interval
entirely outside [0.8, 1.2] → fails; else inconclusive. The α sweep is reported, not judged. A smoke run
(quick preset) reports the numbers with the label "smoke". The gradient alignment (cosine between the
parameter gradients of L_msda and of L_std + R1 + R2 + R3 at the last epoch, jackknife SE) is reported
beside it and does not enter the verdict. So is the scan over the perturbation scale t at the trained models
(δ → tδ: R1 scales by t, R2 and R3 by t², the excess is L(x + tδ) − L(x)): t* is the largest scanned t up to
which every scanned scale's explained interval lies in [0.8, 1.2], "the truncation explains the excess for
t ≤ t*" (None when even the smallest t is outside).
"""
from __future__ import annotations

from typing import Any

from msda_theory.checks.registry import CheckContext, Measurement, check

BAND = (0.8, 1.2)
SE_TARGET = 0.03


def _last(run: dict[str, Any]) -> dict[str, float]:
    return run["rows"][-1]


def _alignment_text(run: dict[str, Any]) -> str:
    """'cutmix α=0.5 0.981 ± 0.004': the last-epoch gradient cosine with its jackknife SE."""
    label = run["family"] if run["alpha"] == 1.0 else f"{run['family']} α={run['alpha']:g}"
    return f"{label} {run['alignment']['cosine']:.3f} ± {run['alignment']['cosine_se']:.3f}"


def _explained_interval(run: dict[str, Any]) -> str:
    """'mixup 0.40 [0.36, 0.45]': the last epoch's explained fraction with its ± 1.96 SE interval."""
    last = _last(run)
    half = 1.96 * last["explained_se"]
    return f"{run['family']} {last['explained']:.2f} [{last['explained'] - half:.2f}, {last['explained'] + half:.2f}]"


def holds_up_to(scan: dict[str, list[float]]) -> float | None:
    """t*: the largest t such that the explained interval (± 1.96 SE) lies in BAND at every scanned t ≤ t*."""
    best = None
    for t, value, se in sorted(zip(scan["t"], scan["explained"], scan["explained_se"])):
        if not (BAND[0] <= value - 1.96 * se and value + 1.96 * se <= BAND[1]):
            break
        best = t
    return best


def _t_star(scan: dict[str, list[float]]) -> str:
    """'t* = 0.2', or 't* < 0.05' when even the smallest scanned t is outside the band."""
    t_star = holds_up_to(scan)
    return f"t* = {t_star:g}" if t_star is not None else f"t* < {min(scan['t']):g}"


def _scan_text(run: dict[str, Any]) -> str:
    """'mixup: t = 0.05, …, 1 → 0.99, …, 0.40, largest SE 0.022 (t* = 0.2)': the trained model's explained
    fraction at each scanned t."""
    scan = run["t_scan"]["trained"]
    return (f"{run['family']}: t = {', '.join(f'{t:g}' for t in scan['t'])} → "
            f"{', '.join(f'{e:.2f}' for e in scan['explained'])}, largest SE {max(scan['explained_se']):.3f} "
            f"({_t_star(scan)})")


def judge(runs: list[dict[str, Any]]) -> str:
    """holds / fails / inconclusive from the α = 1 runs' last explained fraction and its SE."""
    lows, highs = [], []
    for run in (r for r in runs if r["alpha"] == 1.0):
        last = _last(run)
        lows.append(last["explained"] - 1.96 * last["explained_se"])
        highs.append(last["explained"] + 1.96 * last["explained_se"])
    if all(BAND[0] <= lo and hi <= BAND[1] for lo, hi in zip(lows, highs)):
        return "holds"
    if any(hi < BAND[0] or lo > BAND[1] for lo, hi in zip(lows, highs)):
        return "fails"
    return "inconclusive"


CLAIM = ("How much of the MSDA excess L_msda − L_std the second-order truncation R1 + R2 + R3 explains, along "
         "training and across α, at full mixing strength (rule: explained fraction in [0.8, 1.2] at the last epoch, "
         "every family); a quantitative band this project derived, not the paper's claim itself")
HISTORY = ("Rule history: an earlier rule asked L_std + R1 + R2 + R3 to stay within 5% of L_msda; it failed in the quick "
           "ledgers of dc2c6a1 and 4c0bcf3 (max |L_msda − approx| / L_msda = 0.308), and the explained-fraction rule "
           "replaced it after that result. This row was labelled *paper* until the evidence run of 72e8530 (where it "
           "read fails, explained fractions 0.40–0.47 at the last epoch); it is *derived*: the paper states that MSDA "
           "is a pixel-level regularization (rows 3–6 check the identities and the weights), not that the "
           "second-order terms account for a given share of the loss at full mixing strength. An independent "
           "brute-force check reported with the issue (tiny tanh MLP on digits, Mixup α = 1, exact Hessians) gives "
           "1.01 at initialisation and 0.30–0.68 after training, tending to 1 only as the perturbation scale t → 0: "
           "cross-entropy on confident networks grows about linearly in the margin, which a quadratic cannot follow.")


@check("7", CLAIM, "derived", "msda-theory check --only 7")
def tracks_along_training(ctx: CheckContext) -> Measurement:
    runs = ctx.results("tracking")
    main = [r for r in runs if r["alpha"] == 1.0]
    per_family = "; ".join(
        f"{r['family']}: explained by epoch [" + ", ".join(f"{row['explained']:.2f}" for row in r["rows"][1:])
        + f"] ± {_last(r)['explained_se']:.3f}" for r in main)
    sweep = [r for r in runs if r["alpha"] != 1.0]
    sweep_text = ("; α sweep (last epoch): " + ", ".join(
        f"{r['family']} α={r['alpha']:g} {_last(r)['explained']:.2f} ± {_last(r)['explained_se']:.3f}" for r in sweep)
        if sweep else "")
    top_se = max(_last(r)["explained_se"] for r in runs)
    alignment = ", ".join(_alignment_text(r) for r in runs)
    first = main[0]
    t_stars = ", ".join(f"{r['family']} {_t_star(r['t_scan']['trained'])}" for r in main)
    return Measurement(
        value=(f"{'smoke: ' if ctx.quick else ''}explained fraction (R1+R2+R3)/(L_msda − L_std), α = 1: {per_family}"
               f"{sweep_text}; largest SE {top_se:.3f} (target < {SE_TARGET}); gradient alignment "
               f"cos(∇L_msda, ∇(L_std+R1+R2+R3)) at the last epoch (reported, not judged): {alignment}; explained "
               "fraction against the perturbation scale t at the trained models, α = 1 (reported, not judged): "
               + "; ".join(_scan_text(r) for r in main)),
        verdict="smoke" if ctx.quick else judge(runs),
        revised=True,
        summary=(f"{'smoke: ' if ctx.quick else ''}last-epoch explained fraction [95% CI], α = 1: "
                 + ", ".join(_explained_interval(r) for r in main)
                 + f" (band {list(BAND)}); truncation holds for t ≤ t*: {t_stars}"),
        method=(f"tanh CNN trained by fit() with each family on {first['data']}; L_msda, L_std, R1, R2, R3 by the "
                f"direct estimator on {first['n_eval']} training images × {first['n_masks']} draws (the same draws at "
                "every epoch); se(explained) = se(remainder)/|L_msda − L_std|. Gradient alignment: cosine between the "
                "parameter gradients of L_msda and of L_std + R1 + R2 + R3 on the same images (one set of draws for both) after the "
                f"last epoch, SE by a delete-one-group jackknife over {first['alignment']['groups']} image groups. "
                "Holds if every family's last-epoch "
                f"interval (± 1.96 SE) lies in {list(BAND)}, fails if one lies outside; rule fixed before the first "
                "evidence run (see the rule history below). Scale scan: δ → tδ on the same images and draws after "
                "the last epoch (R1 times t, R2 and R3 times t², excess L(x + tδ) − L(x)); t* is the largest scanned "
                "t up to which every interval lies in the band (reported, not judged)"),
        details={"runs": runs},
        discussion=("Measured against the MSDA excess, not L_msda (which L_std dominates). At initialisation the "
                    "network is nearly constant, so both the excess and the terms are small there; epoch 0 is "
                    "reported in the details only. The gradient alignment says whether training on the approximation "
                    "would move the parameters the way MSDA does; it is reported beside the explained fraction, "
                    "and the verdict rule is unchanged. What the row measures: the share of the MSDA excess that "
                    "the second-order truncation accounts for, at the trained models and at full perturbation (t = 1). "
                    "The scan over t shows where the truncation holds: by Taylor's theorem explained(t) → 1 as t → 0, "
                    f"and at the trained models it explains the excess for t ≤ t* ({t_stars}); beyond t* its "
                    "explained fraction leaves the band (a likely reason: the independent check below). The scan "
                    "was added after the evidence result of 72e8530 had been seen; it is reported, and the judged "
                    "rule (t = 1, last epoch) is unchanged. " + HISTORY),
    )
