"""Mixing cost (claim 12 of docs/theory.md section 9): per-epoch training time relative to Mixup.

Timings on a shared or noisy machine drift; to compare strategies fairly they
are measured in the same process, interleaved (A B C A B C ...) by the rounds
loop of ``msda_theory.timing.interleaved``, each timed epoch a full training epoch of a
fresh copy of the same initial model, and summarised by the median over ``repeats``.
"""
from __future__ import annotations

import statistics
from dataclasses import replace
from typing import Any, Sequence

import torch

from msda_theory import masks
from msda_theory.timing import interleaved
from msda_theory.train.config import TrainConfig, strategy_specs
from msda_theory.train.fit import init_model, resolve_device, stream_seeds
from msda_theory.train.loop import make_optimizer, train_epoch
from msda_theory.train.task import prepare_task


def _check(strategies: Sequence[str], repeats: int) -> dict[str, str]:
    """{label: canonical spec}, Mixup (the reference) first unless given; labels are the specs without defaults."""
    specs = strategy_specs(strategies)
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    reference = masks.canonical_spec("mixup")
    return {masks.short_spec(spec): spec for spec in ([reference] if reference not in specs else []) + specs}


def epoch_cost(
    config: TrainConfig,
    strategies: Sequence[str],
    *,
    repeats: int = 3,
    train_set: Any = None,
) -> dict[str, Any]:
    """ratio[s] = median_t epoch_seconds(s) / median_t epoch_seconds(mixup), interleaved over ``repeats`` rounds.

    Args:
        config: model, data, batch size, mode ... of the timed epochs (its
            ``strategy`` and ``epochs`` are ignored; mixup is always measured as
            the reference).
        strategies: strategy specs ("none", "hmix", "hmix:r=0.25", ...); results are keyed by
            the spec without its default parameters ("hmix", "hmix:r=0.25").
        repeats: rounds; each round times one epoch of every strategy in turn.
        train_set: optional in-memory training data (as for ``fit``).

    Returns:
        {"seconds": {s: [per round]}, "mix_seconds": {s: [...]} (time inside ``mix``),
        "median_seconds": {s: m}, "ratio_to_mixup": {s: m / m_mixup},
        "mix_ratio_to_mixup": {s: ...}, "order": [...], "repeats": repeats,
        "n_train": N, "config": config.to_dict()}.
    """
    specs = _check(strategies, repeats)
    names = list(specs)
    device = resolve_device(config.device)
    task = prepare_task(config, train_set)
    _, order_seed, mix_seed = stream_seeds(config.seed)

    def one_epoch(name: str) -> dict[str, Any]:
        run = replace(config, strategy=specs[name], epochs=1)
        model = init_model(run, task).to(device)
        return train_epoch(model, make_optimizer(run, model), task, run, epoch=0,
                           order_generator=torch.Generator().manual_seed(order_seed),
                           mix_generator=torch.Generator().manual_seed(mix_seed))

    stats = interleaved({name: (lambda name=name: one_epoch(name)) for name in names}, repeats)
    seconds = {s: [r["train_seconds"] for r in runs] for s, runs in stats.items()}
    mix_seconds = {s: [r["mix_seconds"] for r in runs] for s, runs in stats.items()}
    median = {s: statistics.median(v) for s, v in seconds.items()}
    mix_median = {s: statistics.median(v) for s, v in mix_seconds.items()}
    return {
        "seconds": seconds, "mix_seconds": mix_seconds, "median_seconds": median,
        "ratio_to_mixup": {s: median[s] / median["mixup"] for s in names},
        "mix_ratio_to_mixup": {s: mix_median[s] / mix_median["mixup"] if mix_median["mixup"] > 0 else None
                               for s in names},
        "order": names, "repeats": repeats, "n_train": len(task.y_train), "config": config.to_dict(),
    }


__all__ = ["epoch_cost"]
