"""TrainConfig: validation messages, JSON round trip, the sampler it names."""
import json

import pytest

from msda_theory import masks
from msda_theory.train import STRATEGIES, TrainConfig


@pytest.mark.parametrize("kwargs,message", [
    ({"strategy": "mixupp"}, r"unknown strategy 'mixupp'; choose one of: none, mixup, cutmix, hmix, gmix, fmix"),
    ({"model": "vgg"}, r"unknown model 'vgg'; choose one of: linear, mlp, cnn, cnn-max, resnet"),
    ({"activation": "elu"}, r"unknown activation 'elu'; choose one of: relu, tanh, gelu, softplus"),
    ({"mode": "pixel"}, r"unknown mode 'pixel'; choose one of: batch, elem"),
    ({"pairing": "random"}, r"unknown pairing 'random'; choose one of: flip, perm"),
    ({"optimizer": "lbfgs"}, r"unknown optimizer 'lbfgs'; choose one of: sgd, adam"),
    ({"schedule": "step"}, r"unknown schedule 'step'; choose one of: cosine, constant"),
    ({"epochs": 0}, r"epochs must be a positive integer, got 0"),
    ({"epochs": 1.5}, r"epochs must be a positive integer, got 1.5"),
    ({"batch_size": -1}, r"batch_size must be a positive integer, got -1"),
    ({"seed": -1}, r"seed must be a non-negative integer, got -1"),
    ({"subset": 0}, r"subset must be a positive integer or None, got 0"),
    ({"lr": 0.0}, r"lr must be a number in \(0, 1000\], got 0.0"),
    ({"lr": 1e300}, r"lr must be a number in \(0, 1000\], got 1e\+300"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1.0"),
    ({"weight_decay": -1e-4}, r"weight_decay must be a finite number >= 0, got -0.0001"),
    ({"label_smoothing": 1.0}, r"label_smoothing must be in \[0, 1\), got 1.0"),
    ({"device": "tpu"}, r"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got 'tpu'"),
    ({"classes": (3,)}, r"classes must be at least two distinct non-negative class indices, got \(3,\)"),
    ({"classes": (0, 1, 2), "binary": True}, r"binary needs exactly two classes, got classes=\(0, 1, 2\)"),
    ({"strategy": "mixup", "alpha": 0.0}, r"alpha must be a finite number > 0, got 0.0"),
    ({"strategy": "hmix", "r": 1.5}, r"r must be a number in \[0, 1\], got 1.5"),
])
def test_bad_fields_raise_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_alpha_is_only_checked_for_strategies_that_use_it():
    assert TrainConfig(strategy="none", alpha=0.0).sampler() is None


def test_json_round_trip_and_unknown_fields():
    config = TrainConfig(strategy="hmix", r=0.25, classes=(0, 6), binary=True, subset=100)
    text = json.dumps(config.to_dict())
    back = TrainConfig.from_dict(json.loads(text))
    assert back == config and back.classes == (0, 6)
    with pytest.raises(ValueError, match=r"unknown TrainConfig fields: \['colour'\]"):
        TrainConfig.from_dict({**config.to_dict(), "colour": "red"})


@pytest.mark.parametrize("strategy", STRATEGIES[1:])
def test_sampler_is_the_named_family_with_its_parameters(strategy):
    sampler = TrainConfig(strategy=strategy, alpha=0.5, r=0.3, decay_power=2.0).sampler()
    assert isinstance(sampler, masks.FAMILIES[strategy]) and sampler.alpha == 0.5
    assert getattr(sampler, "r", 0.3) == 0.3 and getattr(sampler, "decay_power", 2.0) == 2.0


def test_integers_are_accepted_for_float_fields():
    config = TrainConfig(lr=1, alpha=2)
    assert isinstance(config.lr, float) and isinstance(config.alpha, float)
