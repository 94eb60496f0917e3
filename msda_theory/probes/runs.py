"""Trained models for the probes: one ``train.fit`` run per (strategy, seed), memoized in-process.

Claims 9 and 12 and the first-layer probe compare the same vanilla and MSDA
models; ``train_runs`` trains each (config, strategy, seed) once per process
and hands back the model with its clean train and test accuracy, so that a
second probe (or a figure) in the same process reuses them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Sequence

from torch import nn

from msda_theory.probes.strategies import DEFAULT_PARAMS, check_strategy
from msda_theory.train import TrainConfig, fit


@dataclass(frozen=True, eq=False)
class TrainedModel:
    """A trained model (eval mode) with its run's config and clean accuracies."""

    strategy: str
    seed: int
    model: nn.Module
    train_accuracy: float
    test_accuracy: float
    config: TrainConfig

    @property
    def gap(self) -> float:
        """Generalization gap: clean train accuracy − test accuracy."""
        return self.train_accuracy - self.test_accuracy


_CACHE: dict[Any, TrainedModel] = {}


def strategy_config(base: TrainConfig, strategy: str, seed: int) -> TrainConfig:
    """``base`` with the strategy, its probe parameters (alpha, r, decay_power) and the seed."""
    params = DEFAULT_PARAMS.get(check_strategy(strategy), {})
    return replace(base, strategy=strategy, seed=seed, eval_train=True, **params)


def train_one(config: TrainConfig, *, train_set: Any = None, test_set: Any = None, key: Any = None) -> TrainedModel:
    """``fit(config)`` once; memoized on (config, key) where ``key`` names in-memory data (None: config.data)."""
    cache_key = (config, key)
    if train_set is not None and key is None:
        cache_key = None  # unnamed in-memory data: never memoize
    if cache_key is not None and cache_key in _CACHE:
        return _CACHE[cache_key]
    result = fit(config, progress=False, train_set=train_set, test_set=test_set)
    last = result.metrics["epochs"][-1]
    run = TrainedModel(config.strategy, config.seed, result.model, float(last["clean_train_accuracy"]),
                       float(last["test_accuracy"]), config)
    if cache_key is not None:
        _CACHE[cache_key] = run
    return run


def train_runs(base: TrainConfig, strategies: Sequence[str], seeds: Sequence[int], *, train_set: Any = None,
               test_set: Any = None, key: Any = None) -> dict[str, list[TrainedModel]]:
    """runs[strategy][k] = the model trained with ``strategy`` and seed ``seeds[k]`` (same init per seed)."""
    return {s: [train_one(strategy_config(base, s, seed), train_set=train_set, test_set=test_set, key=key)
                for seed in seeds] for s in strategies}


def clear_cache() -> None:
    """Forget every memoized run."""
    _CACHE.clear()
