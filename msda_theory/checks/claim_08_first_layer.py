"""Claim 8: R2 through the first layer equals the input-gradient form (docs/theory.md section 7)."""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats

from msda_theory import masks
from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.data import load
from msda_theory.stats import t_minimum_detectable_effect
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
        summary=f"max relative difference {top:.1e} (tolerance {TOLERANCE:g}) over {len(gaps)} model/family cases",
        method=f"float64, {n} digits, tanh linear/MLP/CNN (conv first layer as a matrix), the weights of a 64-mask set",
        details={"relative_difference": gaps},
        discussion="Paper quote: 'MSDA behaves as ... a regularization of the first layer parameters'. The identity is "
                   "J_i = J_g W; the paper's statement about which directions are penalized is probed elsewhere.",
    )


def penalty_ratios(units: list[dict]) -> list[dict[str, dict[str, float]]]:
    """Per seed k: ratio[t][s] = tr(W_t (A_s ⊙ Σ) W_tᵀ) / tr(W_none (A_s ⊙ Σ) W_noneᵀ), from the stored penalties."""
    from msda_theory.experiments.trained_model import by_strategy

    groups = by_strategy(units)
    return [{t: {s: us[k]["first_layer"]["penalty"][s] / groups["none"][k]["first_layer"]["penalty"][s]
                 for s in us[k]["first_layer"]["penalty"]} for t, us in groups.items()}
            for k in range(len(groups["none"]))]


def own_lowest_comparisons(tables: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """For each penalty column s and other MSDA model t: d_k = log ratio_k[s][s] − log ratio_k[t][s] over seeds k,
    a one-sample t-test (two-sided), Holm across all (s, t)."""
    from msda_theory.stats import holm, t_interval

    columns = [s for s in tables[0] if s != "none"]
    diffs = {f"{s} vs {t} under A_{s}": [math.log(tab[s][s]) - math.log(tab[t][s]) for tab in tables]
             for s in columns for t in columns if t != s}
    p_values = {k: float(stats.ttest_1samp(v, 0.0).pvalue) if len(v) > 1 and np.std(v) > 0 else 1.0
                for k, v in diffs.items()}
    adjusted = holm(p_values)
    return {k: {**t_interval(v).as_dict(), **adjusted[k], "mde": t_mde(v, comparisons=len(diffs))}
            for k, v in diffs.items()}


def t_mde(values: list[float], *, comparisons: int) -> float:
    """The t-based MDE (80% power, Bonferroni level α/m: Holm's strictest step) of the mean of ``values``."""
    n = len(values)
    se = float(np.std(values, ddof=1)) / math.sqrt(n) if n > 1 else math.inf
    return t_minimum_detectable_effect(se, n, comparisons=comparisons)


@check("8b", "Trained first layers follow the penalty of their own strategy: under A_s, the model trained with s has "
             "the lowest first-layer penalty tr(W (A_s ⊙ Σ) Wᵀ) relative to vanilla among the MSDA models",
       "derived", "msda-theory check --only 8b")
def own_strategy_lowest(ctx: CheckContext) -> Measurement:
    from msda_theory.checks.claim_09_robustness import verdict_with_gates
    from msda_theory.experiments.gates import gates_brief, gates_text, training_gates
    from msda_theory.experiments.trained_model import by_strategy

    units = ctx.results("trained-model")
    gates = training_gates(by_strategy(units))
    tables = penalty_ratios(units)
    comp = own_lowest_comparisons(tables)
    below = all(c["significant"] and c["mean"] < 0 for c in comp.values())
    above = any(c["significant"] and c["mean"] > 0 for c in comp.values())
    verdict = "holds" if below else ("fails" if above else "inconclusive")
    worst = max(comp.items(), key=lambda kv: kv[1]["mean"])
    return Measurement(
        value=(f"{'smoke: ' if ctx.quick else ''}{len(comp)} comparisons over {len(tables)} seeds; "
               f"{sum(c['mean'] < 0 for c in comp.values())} of {len(comp)} have the own model lower on average, "
               f"{sum(c['significant'] and c['mean'] < 0 for c in comp.values())} significantly (Holm); least favourable: "
               f"{worst[0]}: log-ratio difference {worst[1]['mean']:+.3f} [{worst[1]['low']:+.3f}, {worst[1]['high']:+.3f}]; "
               f"MDE (80% power, Holm's strictest level) {min(c['mde'] for c in comp.values()):.3f}–"
               f"{max(c['mde'] for c in comp.values()):.3f} in log-ratio units; "
               f"{gates_text(gates)}"),
        verdict=verdict_with_gates(ctx, gates, [], verdict),
        summary=(f"{'smoke: ' if ctx.quick else ''}{sum(c['significant'] and c['mean'] < 0 for c in comp.values())} of "
                 f"{len(comp)} own-lower comparisons significant (Holm); least favourable {worst[0]}: "
                 f"{worst[1]['mean']:+.3f} [{worst[1]['low']:+.3f}, {worst[1]['high']:+.3f}]; {gates_brief(gates)}"),
        method=("The first layers of the claim-9 models (stored trained-model results): penalty "
                "tr(W (A_s ⊙ Σ) Wᵀ) relative to the vanilla model of the same seed, Σ of the training subset, A_s by "
                "Monte Carlo (10000 masks, one draw for every model); per (s, t) the per-seed difference of log "
                "ratios, 95% t-interval over seeds, t-test p-values with Holm across all pairs. Holds if every "
                "difference is significantly < 0, fails if one is significantly > 0. Rule fixed before measuring."),
        details={"comparisons": comp, "ratios": tables, "gates": gates},
    )
