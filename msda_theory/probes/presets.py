"""The sizes of every probe, quick (a small-scale proxy, minutes on 2 CPU cores) and full.

One place, so that claims 9 and 12 and the figures train the very same models
(``runs.train_runs`` memoizes on the config) and so that the expected cost of
the full runs is written down:

- robustness (claims 9, 12; first layer): quick = Fashion-MNIST 28×28, a
  4000-image training subset, 5 epochs, 300 attacked test images, CNN,
  3 seeds (≈ 5 min on 2 cores, mostly PGD; digits 8×8 with 10 epochs, ≈ 40 s, when
  Fashion-MNIST is not installed); full =
  Fashion-MNIST 28×28, 20000-image training subset, CNN, 3 seeds, every
  strategy incl. FMix, 10 epochs, 1000 attacked test images (estimated
  ≈ 2 h on 2 cores: 18 runs of ≈ 4 min plus ≈ 1 min of attacks each).
- adversarial bound (claim 10): quick = Fashion-MNIST Pullover vs Coat,
  2000 training images, 2 seeds (measured 3-15 s); full = all 12000, 3 seeds,
  20 epochs (measured 29 s).
- task dependence (claim 11): quick = digits backgrounds 8×8, 1000 images,
  3 seeds, 12 epochs (measured 31-79 s); full = Fashion-MNIST backgrounds
  28×28, 5000 images, 5 seeds, 20 epochs (estimated ≈ 1.5 h: 40 runs).
- cost (claim 12): quick reuses claim 9's models when run in the same process
  (else ≈ 30 s) plus 7 interleaved timing rounds on digits (≈ 2 s); full adds
  5 rounds of one Fashion-MNIST epoch per strategy (≈ 10 min).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from msda_theory.probes.strategies import ALL_STRATEGIES, PAPER_STRATEGIES
from msda_theory.data import available
from msda_theory.train import TrainConfig


@dataclass(frozen=True)
class RobustnessPreset:
    base: TrainConfig
    strategies: tuple[str, ...]
    seeds: tuple[int, ...]
    eps: dict[str, tuple[float, ...]]
    n_eval: int | None
    cost_repeats: int


@dataclass(frozen=True)
class BoundPreset:
    data: str
    classes: tuple[int, int]
    n_train: int | None
    n_test: int | None
    epochs: int
    seeds: tuple[int, ...]
    strategies: tuple[str, ...] = ("none", *PAPER_STRATEGIES)
    gmix_samples: int = 10000


@dataclass(frozen=True)
class TaskPreset:
    base: TrainConfig
    data: str
    size: int
    n_train: int
    n_test: int
    seeds: tuple[int, ...]
    task_params: dict[str, dict[str, float]] = field(default_factory=lambda: {"local": {}, "global": {"amplitude": 0.25}})


def robustness(quick: bool) -> RobustnessPreset:
    if quick and available("fashion-mnist"):
        base = TrainConfig(data="fashion-mnist", model="cnn", optimizer="adam", lr=2e-3, epochs=5, batch_size=128,
                           subset=4000, test_subset=1000)
        return RobustnessPreset(base, ("none", *PAPER_STRATEGIES), (0, 1, 2),
                                {"linf": (0.01, 0.03), "l2": (0.1, 0.3)}, 300, 5)
    if quick:  # Fashion-MNIST not installed: the embedded digits
        base = TrainConfig(data="digits", model="cnn", optimizer="adam", lr=2e-3, epochs=10, batch_size=64)
        return RobustnessPreset(base, ("none", *PAPER_STRATEGIES), (0, 1, 2),
                                {"linf": (0.02, 0.05), "l2": (0.1, 0.3)}, None, 7)
    base = TrainConfig(data="fashion-mnist", model="cnn", optimizer="adam", lr=1e-3, epochs=10, batch_size=128,
                       subset=20000, test_subset=2000)
    return RobustnessPreset(base, ALL_STRATEGIES, (0, 1, 2), {"linf": (0.01, 0.03), "l2": (0.1, 0.3)}, 1000, 5)


def bound(quick: bool) -> BoundPreset:
    if quick:
        return BoundPreset("fashion-mnist", (2, 4), 2000, 1000, 10, (0, 1))
    return BoundPreset("fashion-mnist", (2, 4), None, None, 20, (0, 1, 2))


def task(quick: bool) -> TaskPreset:
    if quick:
        base = TrainConfig(data="synthetic", model="cnn", optimizer="adam", lr=2e-3, epochs=12, batch_size=64)
        return TaskPreset(base, "digits", 8, 1000, 1000, (0, 1, 2))
    base = TrainConfig(data="synthetic", model="cnn", optimizer="adam", lr=1e-3, epochs=20, batch_size=64)
    return TaskPreset(base, "fashion-mnist", 28, 5000, 2000, (0, 1, 2, 3, 4))


def describe(preset: RobustnessPreset, *, quick: bool) -> str:
    """One line naming the data, subset, model and seeds of a robustness preset."""
    b = preset.base
    subset = f" ({b.subset}-image training subset, {b.epochs} epochs)" if b.subset else f" ({b.epochs} epochs)"
    text = f"{b.data}{subset}, {b.model.upper()}, {len(preset.seeds)} seeds"
    return f"small-scale proxy: {text}" if quick else text
