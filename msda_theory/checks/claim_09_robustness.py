"""Claim 9: MSDA-trained models beat vanilla under FGSM and PGD at small ε, judged on the stored
``trained-model`` experiment (the same models as claims 8b and 12b).

Rules, fixed before the evidence run:
- robust accuracy per image is the worst case over clean, FGSM and PGD (restarts), see
  ``msda_theory.experiments.trained_model``; the drop from clean accuracy is reported beside it;
- the judged ε per norm is the smallest listed radius at which vanilla's robust accuracy is at least
  ``STRESS`` (10 pp) below its clean accuracy (else the largest radius): an ε that stresses the models;
- Δ_s = robust acc(s) − robust acc(vanilla) for each paper strategy s and norm (8 comparisons), a
  bootstrap over seeds and attacked test images, Holm across the 8; holds if all 8 are significantly
  > 0, fails if one is significantly < 0, else inconclusive (with the minimum detectable effect);
- no verdict unless the training gates pass ("inconclusive (not converged)") and every model's
  PGD accuracy ≤ FGSM accuracy + 0.01 (else "inconclusive" with the failed sanity check named);
- quick preset: "smoke", no verdict.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from msda_theory.attacks import ATTACKS
from msda_theory.checks.registry import NOT_CONVERGED, CheckContext, Measurement, check
from msda_theory.experiments.gates import gates_brief, gates_text, training_gates
from msda_theory.experiments.trained_model import by_strategy, decode
from msda_theory.stats import compare, effect_text, seeds_for_mde

CLAIM = ("MSDA-trained models are more robust than vanilla under FGSM and PGD (L∞ and L2) at small ε; paper: "
         "\"our theoretical results support that the MSDA training strategy can improve adversarial robustness "
         "and generalization compared to the vanilla training strategy\"")
STRESS = 0.10
SANITY_SLACK = 0.01
NORMS = ("linf", "l2")


def worst(units: list[dict[str, Any]], norm: str, index: int) -> np.ndarray:
    """(S, N) per seed and image: correct under the worst attack at the ε of ``index``."""
    return np.stack([decode(u["attacks"][norm]["worst"][index]) for u in units])


def clean(units: list[dict[str, Any]]) -> np.ndarray:
    return np.stack([decode(u["attacks"]["clean"]) for u in units])


def judged_index(vanilla: list[dict[str, Any]], norm: str) -> int:
    """The smallest ε index where vanilla's mean robust accuracy is ≥ STRESS below its clean accuracy."""
    base = clean(vanilla).mean()
    radii = vanilla[0]["attacks"][norm]["eps"]
    for k in range(len(radii)):
        if base - worst(vanilla, norm, k).mean() >= STRESS:
            return k
    return len(radii) - 1


def sanity_failures(groups: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Models whose accuracy under an iterative attack exceeds their FGSM accuracy by more than SANITY_SLACK."""
    iterative = [name for name, attack in ATTACKS.items() if attack.iterative]
    bad = []
    for s, units in groups.items():
        for u in units:
            for norm in NORMS:
                a = u["attacks"][norm]
                for name in iterative:
                    for eps, f, p in zip(a["eps"], a["fgsm"], a[name]):
                        pa, fa = decode(p).mean(), decode(f).mean()
                        if pa > fa + SANITY_SLACK:
                            bad.append(f"{s} seed {u['seed']} {norm} ε={eps}: {name} {pa:.3f} > FGSM {fa:.3f}")
    return bad


def decide(comparisons: dict[str, dict[str, Any]]) -> str:
    if all(c["significant"] and c["mean"] > 0 for c in comparisons.values()):
        return "holds"
    if any(c["significant"] and c["mean"] < 0 for c in comparisons.values()):
        return "fails"
    return "inconclusive"


def verdict_with_gates(ctx: CheckContext, gates: dict[str, Any], sanity: list[str], verdict: str) -> str:
    if ctx.quick:
        return "smoke"
    if not gates["passed"]:
        return NOT_CONVERGED
    return "inconclusive" if sanity else verdict


def scale_text(units: list[dict[str, Any]], quick: bool) -> str:
    u = units[0]
    seeds = len({v["seed"] for v in units})
    text = f"{u['data']} ({u['n_train']}-image training subset, {len(u['curve']['train_loss'])} epochs), {seeds} seeds, " \
           f"{u['n_eval']} attacked test images"
    return f"smoke: {text}" if quick else text


def seed_text(pairs: dict[str, tuple[np.ndarray, np.ndarray]], target: float = 0.02) -> str:
    """The measured between-seed SD of Δ and the seeds that would make the MDE ``target`` (stats.seeds_for_mde)."""
    need = {k: seeds_for_mde(t, b, target=target, comparisons=len(pairs)) for k, (t, b) in pairs.items()}
    sds = [v["sd_seed"] for v in need.values()]
    worst_case = max(need.values(), key=lambda v: v["seeds"])
    se_img = max(v["se_images"] for v in need.values())
    seed_part = math.ceil((max(sds) / worst_case["se_needed"]) ** 2)  # seeds if the test set were unlimited
    if worst_case["seeds"] == float("inf"):
        seeds = (f"an SE ≤ {100 * worst_case['se_needed']:.2f} pp, below the test-sample SE alone, so more test "
                 f"images, not only more seeds, are needed (with unlimited test images, {seed_part} seeds)")
    else:
        seeds = f"{worst_case['seeds']:.0f} seeds at this number of test images"
    return (f"Seeds: {len(next(iter(pairs.values()))[0])}, fixed by the time budget; measured between-seed SD of Δ "
            f"{100 * min(sds):.1f}–{100 * max(sds):.1f} pp, test-sample SE up to {100 * se_img:.1f} pp; "
            f"an MDE of {100 * target:.0f} pp in every comparison (Holm's strictest level, 80% power) needs {seeds}.")


def summary_line(comp: dict[str, dict[str, Any]], eps: dict[str, float], gates: dict[str, Any], quick: bool) -> str:
    """'Δ robust acc vs vanilla, pp [CI]: linf ε=0.02: mixup +1.2 [-0.3, +2.7], ...; MDE ...; gates: ...'."""
    per_norm = "; ".join(f"{n} ε={eps[n]}: " + ", ".join(
        f"{k.split('/')[0]} {100 * c['mean']:+.1f} [{100 * c['low']:+.1f}, {100 * c['high']:+.1f}]"
        for k, c in comp.items() if k.endswith(f"/{n}")) for n in NORMS)
    mdes = [100 * c["mde"] for c in comp.values()]
    return (f"{'smoke: ' if quick else ''}Δ robust acc vs vanilla, pp [CI]: {per_norm}; "
            f"{sum(c['significant'] for c in comp.values())} of {len(comp)} significant, MDE {min(mdes):.1f}–"
            f"{max(mdes):.1f} pp; {gates_brief(gates)}")


@check("9", CLAIM, "paper", "msda-theory check --only 9")
def claim_09(ctx: CheckContext) -> Measurement:
    units = ctx.results("trained-model")
    groups = by_strategy(units)
    gates, sanity = training_gates(groups), sanity_failures(groups)
    vanilla = groups["none"]
    index = {n: judged_index(vanilla, n) for n in NORMS}
    pairs = {f"{s}/{n}": (worst(us, n, index[n]), worst(vanilla, n, index[n]))
             for s, us in groups.items() if s != "none" for n in NORMS}
    comp = compare(pairs, n_boot=300 if ctx.quick else 2000, generator=np.random.default_rng(ctx.seed))
    eps = {n: vanilla[0]["attacks"][n]["eps"][index[n]] for n in NORMS}
    accuracy = {n: {s: {"clean": float(clean(us).mean()), "robust": float(worst(us, n, index[n]).mean())}
                    for s, us in groups.items()} for n in NORMS}
    acc_text = "; ".join(f"{n} ε={eps[n]}: " + ", ".join(
        f"{s} {100 * a['robust']:.1f}% (drop {100 * (a['clean'] - a['robust']):.1f} pp)" for s, a in accuracy[n].items())
        for n in NORMS)
    value = (f"{scale_text(units, ctx.quick)}; robust accuracy (worst of FGSM, PGD; drop from clean): {acc_text}; "
             "Δ vs vanilla: " + "; ".join(f"{k} {effect_text(c)}" for k, c in comp.items()) + f"; {gates_text(gates)}")
    a = units[0]["attacks"]
    return Measurement(
        value=value,
        verdict=verdict_with_gates(ctx, gates, sanity, decide(comp)),
        summary=summary_line(comp, eps, gates, ctx.quick),
        method=("Train vanilla and Mixup, CutMix, HMix, GMix with the same seeds (same init) through fit(); attack "
                "the same test images; per image the worst case of clean, FGSM and PGD (restarts, step 2.5ε/steps), "
                f"radii L∞ {a['linf']['eps']}, L2 {a['l2']['eps']}; the judged ε per norm is the smallest at which "
                f"vanilla loses ≥ {100 * STRESS:.0f} pp. Δ per strategy and norm by a bootstrap over seeds and test "
                "images, Holm across the 8 comparisons (intervals at the Bonferroni level). Holds if all 8 are "
                "significantly > 0, fails if one is significantly < 0; no verdict unless the gates and the "
                "PGD ≤ FGSM sanity check pass. Rules fixed before the evidence run."),
        details={"comparisons": comp, "judged_eps": eps, "accuracy": accuracy, "gates": gates,
                 "sanity_failures": sanity},
        discussion=(f"{gates_text(gates)}. "
                    + ("Attack sanity checks passed." if not sanity else "Verdict withheld: attack sanity checks "
                       "failed: " + "; ".join(sanity[:6]) + ".")
                    + " Each inconclusive comparison's minimum detectable effect (80% power, Holm's strictest "
                    "level) is given as MDE. " + seed_text(pairs)),
    )
