"""Claim 12: HMix and GMix against Mixup and CutMix, in accuracy and in per-epoch training cost.

Cost: ``train.epoch_cost`` times one full training epoch per strategy,
interleaved (mixup, cutmix, hmix, gmix, mixup, ...), in one process; the ratio
of strategy s in round k is t_s,k / t_mixup,k, summarized by the median ratio
and a t-interval over rounds. The paper says the cost is "almost negligible";
the ledger's row 12a judges the mixing time's share (per-round values are stored).

Accuracy: paired differences over seeds (same initialisation per seed) of
HMix and GMix against Mixup and CutMix, 95% t-intervals.
"""
from __future__ import annotations

import statistics
from typing import Any, Sequence

from msda_theory.stats import t_interval
from msda_theory.masks import PAPER_FAMILIES
from msda_theory.train import TrainConfig, epoch_cost


def cost_probe(base: TrainConfig, *, strategies: Sequence[str] = PAPER_FAMILIES,
               repeats: int = 3, train_set: Any = None) -> dict[str, Any]:
    """Per-epoch time ratios to Mixup from interleaved rounds: median, per-round t-CI, and the mixing-only ratio."""
    res = epoch_cost(base, strategies, repeats=repeats, train_set=train_set)
    sec, mix_sec = res["seconds"], res["mix_seconds"]
    out: dict[str, Any] = {"median_ratio": res["ratio_to_mixup"], "mix_ratio": res["mix_ratio_to_mixup"],
                           "median_seconds": res["median_seconds"], "repeats": repeats, "n_train": res["n_train"]}
    out["ratio_ci"] = {s: t_interval([a / b for a, b in zip(sec[s], sec["mixup"])]).as_dict() for s in sec}
    out["mix_seconds_per_epoch"] = {s: statistics.median(v) for s, v in mix_sec.items()}
    out["rounds"] = {"seconds": sec, "mix_seconds": mix_sec}
    return out
