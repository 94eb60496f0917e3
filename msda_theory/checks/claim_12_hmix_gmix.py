"""Claim 12: (a) HMix and GMix cost almost nothing over Mixup and CutMix (epoch-time ratio); (b) their
accuracy against Mixup and CutMix at this machine's scale: the measured effect, never a verdict on the
paper's CIFAR-100 / ImageNet claim.

12a judges the stored ``cost`` experiment; 12b reads the clean per-image correctness of the stored
``trained-model`` units (the models of claim 9): Δ = acc(new) − acc(old) for new ∈ {HMix, GMix},
old ∈ {Mixup, CutMix}, bootstrap over seeds and test images, Holm across the 4, with MDEs.
"""
from __future__ import annotations

import numpy as np

from msda_theory.checks.gates import GATE_REVISED_ON, gates_brief, gates_text, mixed_label_history, training_gates
from msda_theory.checks.registry import NOT_CONVERGED, CheckContext, Measurement, check
from msda_theory.checks.trained_models import clean, scale_text
from msda_theory.experiments.stored import by_strategy
from msda_theory.stats import compare, effect_text, t_interval

COST_CLAIM = ("HMix and GMix cost almost nothing over Mixup and CutMix: paper: \"the computation cost is almost "
              "neglectable as Mixup and CutMix\" (their extra mixing time over Mixup's is at most 5% of a Mixup "
              "training epoch)")
SHARE_TARGET = 0.05
COST_HISTORY = ("Rule changed after a result of this row had been seen: the previous rule judged the epoch-time ratio "
                "to Mixup (≤ 1.05) and held at 72e8530 (HMix 0.962, GMix 0.914), but the rounds' epoch times vary by "
                "±7–11%, more than the 5% target, so it could not fail for the right reason; the mixing time itself "
                "(about 1.3% of an epoch at 72e8530, from medians) is the better evidence. The epoch ratio stays as a "
                "detail.")
ACCURACY_CLAIM = ("HMix and GMix against Mixup and CutMix in test accuracy at this machine's scale; paper: \"our HMix "
                  "and GMix outperform the previous state-of-the-art MSDA methods in CIFAR-100 and ImageNet "
                  "classification tasks\" (a CPU proxy reports the measured effect, not a verdict on that claim)")
CIFAR_COMMANDS = (
    "msda-theory sweep --data cifar100 --root DIR --model resnet --strategies mixup,cutmix,hmix,gmix "
    "--seeds 0,1,2 --epochs 200 --device cuda --out runs/cifar100"
)


def extra_mixing_share(cost: dict) -> dict[str, dict[str, float]]:
    """Per new family s and round k: (mix_s,k − mix_mixup,k) / epoch_mixup,k, as a t-interval over rounds."""
    rounds = cost["rounds"]
    mix, sec = rounds["mix_seconds"], rounds["seconds"]
    return {s: t_interval([(a - b) / e for a, b, e in zip(mix[s], mix["mixup"], sec["mixup"])]).as_dict()
            for s in ("hmix", "gmix")}


@check("12a", COST_CLAIM, "paper", "msda-theory check --only 12a")
def claim_12a(ctx: CheckContext) -> Measurement:
    cost = ctx.results("cost")[0]
    if "rounds" not in cost:
        missing = "per-round times not stored (a result computed before this rule; rerun the cost experiment)"
        return Measurement(value=missing, verdict="inconclusive", summary=missing, revised=True,
                           method="see the rule in the module docstring", details=cost, discussion=COST_HISTORY)
    share = extra_mixing_share(cost)
    cheap = all(v["high"] <= SHARE_TARGET for v in share.values())
    expensive = any(v["low"] > SHARE_TARGET for v in share.values())
    return Measurement(
        value=("extra mixing time over Mixup's, as a share of a Mixup epoch: "
               + ", ".join(f"{s} {100 * v['mean']:+.2f}% [{100 * v['low']:+.2f}, {100 * v['high']:+.2f}]"
                           for s, v in share.items())
               + f" (target ≤ {100 * SHARE_TARGET:.0f}%); {cost['repeats']} interleaved rounds, "
               f"{cost['n_train']} training images"),
        verdict="holds" if cheap else ("fails" if expensive else "inconclusive"),
        revised=True,
        summary=("extra mixing time over Mixup's, share of an epoch [95% CI]: "
                 + ", ".join(f"{s} {100 * v['mean']:+.2f}% [{100 * v['low']:+.2f}, {100 * v['high']:+.2f}]"
                             for s, v in share.items()) + f" (≤ {100 * SHARE_TARGET:.0f}% needed)"),
        method=("train.epoch_cost: one full training epoch per strategy, interleaved (mixup, cutmix, hmix, gmix, "
                "mixup, ...) in one process, a fresh copy of the same initial model each time, timing the seconds "
                "spent inside mix() too; per round k the share (mix_s,k − mix_mixup,k) / epoch_mixup,k, 95% t-interval "
                f"over rounds. Holds if both intervals lie below {100 * SHARE_TARGET:.0f}%, fails if one lies above."),
        details={**cost, "extra_mixing_share": share},
        discussion=("Epoch time / Mixup (median of rounds, a detail): "
                    + ", ".join(f"{s} {r:.3f}" for s, r in cost["median_ratio"].items())
                    + "; median seconds inside mix per epoch: "
                    + ", ".join(f"{s} {v:.4f}s" for s, v in cost["mix_seconds_per_epoch"].items()) + ". " + COST_HISTORY),
    )


@check("12b", ACCURACY_CLAIM, "paper", "msda-theory check --only 12b")
def claim_12b(ctx: CheckContext) -> Measurement:
    units = ctx.results("trained-model")
    groups = by_strategy(units)
    gates = training_gates(groups)
    pairs = {f"{new}-{old}": (clean(groups[new]), clean(groups[old])) for new in ("hmix", "gmix")
             for old in ("mixup", "cutmix")}
    comp = compare(pairs, n_boot=300 if ctx.quick else 2000, generator=np.random.default_rng(ctx.seed))
    acc = ", ".join(f"{s} {100 * clean(us).mean():.1f}%" for s, us in groups.items())
    verdict = "smoke" if ctx.quick else ("measured" if gates["passed"] else NOT_CONVERGED)
    return Measurement(
        value=(f"{scale_text(units, ctx.quick)}; clean test accuracy {acc}; Δ: "
               + "; ".join(f"{k} {effect_text(c)}" for k, c in comp.items()) + f"; {gates_text(gates)}"),
        verdict=verdict,
        revised=True,
        revised_on_these=ctx.preset == GATE_REVISED_ON,
        summary=(f"{'smoke: ' if ctx.quick else ''}clean accuracy {acc}; Δ pp [CI]: " + ", ".join(
            f"{k} {100 * c['mean']:+.1f} [{100 * c['low']:+.1f}, {100 * c['high']:+.1f}]" for k, c in comp.items())
            + f"; {gates_brief(gates)}"),
        method=("Clean correctness of the claim-9 models on the attacked test images; paired Δ per (new, old), "
                "bootstrap over seeds and test images, Holm across the 4 comparisons, intervals at the Bonferroni "
                "level, MDE at 80% power. Reports the effect only: outside CIFAR-100/ImageNet scale it is no "
                "verdict on the paper."),
        details={"comparisons": comp, "gates": gates},
        discussion=("The paper's evidence is CIFAR-100 and ImageNet; neither can run on this 2-core CPU machine. "
                    f"To run the CIFAR-100 comparison on a GPU: `{CIFAR_COMMANDS}` (then read the summary table "
                    "written in runs/cifar100). " + mixed_label_history(gates)),
    )
