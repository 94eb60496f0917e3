"""The strategy registry: a family defined here, registered with one call, works everywhere.

The vertical-stripe law below is known to no other module: M = 1 on the first
k = round(lam0 W) columns and 0 elsewhere. Registering it must be enough for
``mix``, Monte Carlo pixel weights, ``decompose`` and ``fit``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from msda_theory import masks
from msda_theory.mix import mix
from msda_theory.regularizers import decompose
from msda_theory.train import TrainConfig, fit
from msda_theory.weights import pair_weights, strategy_weights

NAME = "stripes"


@dataclass(frozen=True)
class Stripes(masks.BetaMaskFamily):
    """M[:, :, x] = 1 for x < round(lam0 W), else 0."""

    name = NAME

    def geometry(self, lam0: np.ndarray, size: masks.Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> torch.Tensor:
        """Binary vertical stripes, one per drawn lam0 (n,) float64."""
        h, w = size
        k = torch.round(torch.from_numpy(lam0) * w)
        columns = (torch.arange(w, dtype=torch.float64)[None, :] < k[:, None]).to(torch.float64)
        return columns[:, None, :].expand(-1, h, -1)


@pytest.fixture
def stripes():
    masks.register(NAME, Stripes, defaults={"alpha": 1.0})
    yield
    masks.unregister(NAME)


def test_registration_is_visible_in_every_view(stripes):
    assert masks.FAMILIES[NAME] is Stripes and masks.DEFAULTS[NAME] == {"alpha": 1.0}
    assert masks.STRATEGIES[-1] == NAME and NAME not in masks.PAPER_FAMILIES
    assert masks.from_spec(f"{NAME}:alpha=2") == Stripes(alpha=2.0) == masks.get(NAME, alpha=2.0)
    assert TrainConfig(strategy=f"{NAME}:alpha=0.5").sampler() == Stripes(alpha=0.5)
    assert TrainConfig(strategy=NAME).strategy == f"{NAME}:alpha=1.0"


def test_the_registry_is_restored_after_the_test():
    assert NAME not in masks.FAMILIES and NAME not in masks.STRATEGIES and NAME not in masks.DEFAULTS


def test_mix_uses_the_new_geometry(stripes):
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(6, 2, 5, 7, generator=g), torch.arange(6) % 3
    mixed, _, record = mix(x, y, masks.from_spec(NAME), num_classes=3, mode="elem", generator=g)
    m = record.mask[:, None]
    assert torch.equal(m, m[:, :, :1].expand_as(m))  # constant along each column
    assert torch.allclose(mixed, m * x + (1 - m) * x[record.partner])
    assert torch.allclose(record.lam, record.mask.mean((-2, -1)))


def test_monte_carlo_weights_have_the_stripe_structure(stripes):
    """Binary masks constant along columns: a_pq = a_p for p, q in one column, a_p equal in every row."""
    for result in (pair_weights(masks.from_spec(NAME), (4, 6), method="mc", n_samples=500,
                                generator=torch.Generator().manual_seed(1)),
                   strategy_weights(NAME, (4, 6), n_masks=500, generator=torch.Generator().manual_seed(1))):
        a_p, a_pq = result.a_p, result.a_pq.reshape(4, 6, 4, 6)
        assert torch.allclose(a_p, a_p[:1].expand_as(a_p), atol=1e-12)
        same_column = a_pq[0, :, 3, :].diagonal()  # p = (0, x), q = (3, x)
        assert torch.allclose(same_column, a_p[0], atol=1e-12)
        # the first and last columns are perturbed together only when k = 0 (weight lam = 0) or k = W (1 - lam = 0)
        assert float(a_pq[0, 0, 0, 5]) == 0.0 and float(a_pq[0, 0, 0, 1]) > 0.0


def test_decompose_direct_is_exact_to_second_order_for_a_quadratic_loss(stripes):
    """Linear model + MSE: the loss is quadratic in delta, so the remainder vanishes for every draw."""
    g = torch.Generator().manual_seed(2)
    x, y = torch.rand(8, 1, 4, 6, generator=g, dtype=torch.float64), torch.arange(8) % 3
    model = nn.Sequential(nn.Flatten(), nn.Linear(24, 3)).double()
    d = decompose(model, x, y, masks.from_spec(NAME), loss="mse", estimator="direct", n_masks=16, generator=g)
    assert d.r1 != 0 and d.r2 > 0 and abs(d.r3) < 1e-12
    assert abs(d.remainder) < 1e-10 and math.isfinite(d.l_msda)
    assert d.config["sampler"] == "stripes(alpha=1)"


def test_fit_trains_one_epoch_with_the_new_strategy(stripes, tmp_path):
    """The run records the new strategy and mixes: its loss differs from the same run without mixing."""
    config = TrainConfig(data="digits", strategy=NAME, model="linear", epochs=1, subset=128, test_subset=64,
                         batch_size=32)
    result = fit(config, tmp_path, progress=False)
    plain = fit(TrainConfig(**{**config.to_dict(), "strategy": "none"}), progress=False)
    epoch = result.metrics["epochs"][0]
    assert result.metrics["config"]["strategy"] == f"{NAME}:alpha=1.0"
    assert math.isfinite(epoch["train_loss"]) and 0.0 <= epoch["test_accuracy"] <= 1.0
    assert epoch["train_loss"] != plain.metrics["epochs"][0]["train_loss"]


@pytest.mark.parametrize("call, message", [
    (lambda: masks.register("mixup", Stripes, defaults={}), "strategy 'mixup' is already registered"),
    (lambda: masks.register("none", Stripes, defaults={}), "strategy 'none' is already registered"),
    (lambda: masks.register("x", object, defaults={}), "a mask family must be a dataclass with a sample method"),
    (lambda: masks.register("x", Stripes, defaults={"r": 0.5}),
     r"x takes parameters \['alpha'\], got unexpected defaults \['r'\]"),
    (lambda: masks.register("x", Stripes, defaults={"alpha": -1.0}), "alpha must be a finite number > 0, got -1.0"),
    (lambda: masks.unregister("x"), "strategy 'x' is not registered"),
    (lambda: masks.from_spec("x:alpha=1"), "unknown strategy 'x'; choose one of: none, mixup, cutmix"),
])
def test_registry_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()
    assert "x" not in masks.FAMILIES  # a refused registration leaves the registry unchanged
