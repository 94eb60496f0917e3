"""The explicit regularizer L_std + R1 + R2 of claim 11's mechanism version (experiments.mechanism)."""
from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from msda_theory.models import build
from msda_theory.experiments.mechanism import ExplicitWeights, explicit_terms, train_explicit
from msda_theory.experiments.tasks import SyntheticTask
from msda_theory.regularizers.data_moments import data_moments
from msda_theory.regularizers.derivatives import as_rows
from msda_theory.regularizers.losses import get_loss, label_rows
from msda_theory.regularizers.moment_form import moment_terms
from msda_theory.train import TrainConfig, fit
from msda_theory.weights import strategy_weights


@pytest.mark.parametrize("family", ["mixup", "cutmix"])
@pytest.mark.parametrize("k, loss_name", [(1, "bce"), (3, "ce")])
def test_per_image_terms_average_to_the_moment_form(family: str, k: int, loss_name: str) -> None:
    """mean_i R1_i and mean_i R2_i equal regularizers.moment_form's R1, R2 (an independent implementation)."""
    g = torch.Generator().manual_seed(3)
    with torch.random.fork_rng():
        torch.manual_seed(1)
        model = build("cnn", (2, 5, 5), k, activation="tanh").double()
    x = torch.rand(6, 2, 5, 5, dtype=torch.float64, generator=g)
    y = torch.randint(0, 2 if k == 1 else k, (6,), generator=g)
    loss, w, moments = get_loss(loss_name), strategy_weights(family, (5, 5)), data_moments(x)
    ref = moment_terms(as_rows(model, loss), loss, x, label_rows(y, k, loss, x.dtype), moments, w, batch_size=64)
    l_std, r1, r2 = explicit_terms(model, x, y, loss, moments, ExplicitWeights.from_pixels(w.a_p, w.a_pq, 2,
                                                                                         torch.float64))
    assert float(r1.mean()) == pytest.approx(ref["r1"], rel=1e-9, abs=1e-15)
    assert float(r2.mean()) == pytest.approx(ref["r2"], rel=1e-9, abs=1e-15)
    assert torch.allclose(l_std, ref["l_std_i"])


def test_terms_are_differentiable_in_the_parameters() -> None:
    model = build("cnn", (1, 4, 4), 1, activation="tanh")
    x, y = torch.rand(5, 1, 4, 4), torch.tensor([0, 1, 0, 1, 1])
    w = strategy_weights("cutmix", (4, 4))
    _, r1, r2 = explicit_terms(model, x, y, get_loss("bce"), data_moments(x), ExplicitWeights.from_pixels(w.a_p, w.a_pq, 1))
    (r1.mean() + r2.mean()).backward()
    assert all(p.grad is not None for p in model.parameters())
    assert sum(float(p.grad.abs().sum()) for p in model.parameters()) > 0


def test_input_errors() -> None:
    with pytest.raises(ValueError, match=r"a_pq must be \(16, 16\) for a_p of 16 pixels, got \(9, 9\)"):
        ExplicitWeights.from_pixels(torch.zeros(4, 4), torch.zeros(9, 9), 1)
    model, x = build("linear", (1, 2, 2), 1), torch.rand(3, 1, 2, 2)
    w = ExplicitWeights.from_pixels(torch.zeros(2, 2), torch.zeros(4, 4), 1)
    with pytest.raises(ValueError, match=r"needs the data covariance"):
        explicit_terms(model, x, torch.tensor([0, 1, 0]), get_loss("bce"), data_moments(x, covariance=False), w)


def _task(n: int, seed: int) -> SyntheticTask:
    g = torch.Generator().manual_seed(seed)
    return SyntheticTask(torch.rand(n, 1, 6, 6, generator=g), (torch.arange(n) % 2)[torch.randperm(n, generator=g)],
                         "local")


def test_zero_weights_train_exactly_like_vanilla_fit() -> None:
    """With a = 0, A = 0 the objective is L_std: the same init and batch order as fit(strategy 'none') must give
    the same final accuracies and loss curve (so the mechanism and mixing runs share data and seeds)."""
    train, test = _task(64, 0), _task(40, 1)
    config = TrainConfig(data="synthetic", model="cnn", optimizer="adam", lr=1e-2, epochs=3, batch_size=16,
                         strategy="none", seed=5, eval_train=True)
    ours = train_explicit(config, train, test, torch.zeros(6, 6), torch.zeros(36, 36))
    ref = fit(config, progress=False, keep_config_data=True, train_data=train, test_data=test).metrics["epochs"]
    assert ours["train_loss_curve"] == pytest.approx([e["train_loss"] for e in ref], rel=1e-5)
    assert ours["test_accuracy"] == ref[-1]["test_accuracy"]
    assert ours["clean_train_accuracy"] == ref[-1]["clean_train_accuracy"]
    other = train_explicit(replace(config, seed=6), train, test, torch.zeros(6, 6), torch.zeros(36, 36))
    assert other["train_loss_curve"] != ours["train_loss_curve"]  # the seed matters


def test_l_plus_r1_plus_r2_is_unbounded_below_for_cross_entropy_and_l_plus_r2_is_not() -> None:
    """The reason the mechanism version trains L_std + R2 (experiments.mechanism.OBJECTIVES): for a logistic model
    z = w·x + b on an image of class 1, take w = s·d with d along a ⊙ (μ − x) and b so that σ(z) = 1/s³. Then
    l = 3 log s, R1 = −(1 − σ) s |a ⊙ (μ − x)| and R2 = O(1/s): l + R1 + R2 → −∞ while l + R2 ≥ 0."""
    x = torch.tensor([[[[0.9, 0.1], [0.2, 0.7]]], [[[0.1, 0.8], [0.6, 0.3]]]], dtype=torch.float64)
    y = torch.tensor([1, 0])
    w = strategy_weights("mixup", (2, 2))
    weights, moments = ExplicitWeights.from_pixels(w.a_p, w.a_pq, 1, torch.float64), data_moments(x)
    direction = weights.a * moments.offsets(x)[0]
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1)).double()
    totals, without_r1 = [], []
    for s in (1e1, 1e2, 1e3, 1e4):
        with torch.no_grad():
            model[1].weight.copy_(s * direction / direction.norm())
            z = -torch.log(torch.tensor(s ** 3 - 1.0, dtype=torch.float64))  # σ(z) = 1/s³
            model[1].bias.copy_(z - model[1].weight[0] @ x[0].flatten())
        l_std, r1, r2 = explicit_terms(model, x[:1], y[:1], get_loss("bce"), moments, weights)
        assert float(l_std) == pytest.approx(3 * torch.log(torch.tensor(s)).item(), rel=1e-6)
        totals.append(float(l_std + r1 + r2))
        without_r1.append(float(l_std + r2))
    assert all(b < a for a, b in zip(totals, totals[1:])) and totals[-1] < -1e3
    assert min(without_r1) >= 0


def test_the_r2_objective_drops_only_r1() -> None:
    """With a = 0 (R1 = 0) the two objectives train identically; with a Mixup's a they do not."""
    train, test = _task(48, 0), _task(20, 1)
    config = TrainConfig(data="synthetic", model="cnn", optimizer="adam", lr=1e-2, epochs=2, batch_size=16,
                         strategy="none", seed=5)
    w = strategy_weights("mixup", (6, 6))
    runs = {(name, zero_a): train_explicit(config, train, test, w.a_p * (0 if zero_a else 1), w.a_pq, name)
            for name in ("explicit-r1-r2", "explicit-r2") for zero_a in (True, False)}
    assert runs["explicit-r1-r2", True] == runs["explicit-r2", True]
    assert runs["explicit-r1-r2", False]["train_loss_curve"] != runs["explicit-r2", False]["train_loss_curve"]
    with pytest.raises(ValueError, match=r"objective must be one of \['explicit-r1-r2', 'explicit-r2'\], got 'r2'"):
        train_explicit(config, train, test, w.a_p, w.a_pq, "r2")
