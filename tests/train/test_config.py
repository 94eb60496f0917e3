"""TrainConfig: validation messages, JSON round trip, the sampler it names."""
import json

import pytest

from msda_theory import masks
from msda_theory.train import STRATEGIES, TrainConfig
from msda_theory.train.config import strategy_specs


@pytest.mark.parametrize("kwargs,message", [
    ({"strategy": "mixupp"}, rf"unknown strategy 'mixupp'; choose one of: {', '.join(masks.strategies())}, or "
                             r"module:Class"),
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
    ({"strategy": "mixup:alpha=0"}, r"alpha must be a finite number > 0, got 0.0"),
    ({"strategy": "hmix:r=1.5"}, r"r must be a number in \[0, 1\], got 1.5"),
    ({"strategy": "mixup:r=0.3"}, r"^mixup takes alpha; got r$"),
    ({"strategy": "hmix:alpha=2,q=1"}, r"^hmix takes alpha, r; got q$"),
    ({"strategy": "none:alpha=2"}, r"^none takes no parameters; got alpha$"),
    ({"strategy": "hmix:r=a,b"}, r"expected KEY=VALUE, got 'b'"),
])
def test_bad_fields_raise_clear_messages(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**kwargs)


def test_json_round_trip_and_unknown_fields():
    config = TrainConfig(strategy="hmix:r=0.25", classes=(0, 6), binary=True, subset=100)
    assert config.strategy == "hmix:alpha=1.0,r=0.25" and config.family == "hmix"  # every parameter filled in
    text = json.dumps(config.to_dict())
    back = TrainConfig.from_dict(json.loads(text))
    assert back == config and back.classes == (0, 6)
    with pytest.raises(ValueError, match=r"unknown TrainConfig fields: \['colour'\]"):
        TrainConfig.from_dict({**config.to_dict(), "colour": "red"})


@pytest.mark.parametrize("strategy", STRATEGIES[1:])
def test_sampler_is_the_named_family_with_its_parameters(strategy):
    sampler = TrainConfig(strategy=f"{strategy}:alpha=0.5").sampler()
    assert isinstance(sampler, masks.FAMILIES[strategy]) and sampler.alpha == 0.5
    assert sampler == masks.get(strategy, **{**masks.DEFAULTS[strategy], "alpha": 0.5})
    assert TrainConfig(strategy=strategy.upper()).strategy == masks.format_spec(strategy, masks.DEFAULTS[strategy])


def test_integers_are_accepted_for_float_fields():
    config = TrainConfig(lr=1, strategy="mixup:alpha=2")
    assert isinstance(config.lr, float) and config.strategy == "mixup:alpha=2.0"
    assert isinstance(config.sampler().alpha, float)


FIRST_FORMAT = {  # a run's config as written before strategy specs (results/trained-model/evidence, seed0)
    "data": "fashion-mnist", "root": None, "model": "mlp", "activation": "relu", "strategy": "cutmix", "alpha": 1.0,
    "r": 0.5, "decay_power": 3.0, "mode": "batch", "pairing": "flip", "label_smoothing": 0.0, "epochs": 60,
    "batch_size": 32, "optimizer": "adam", "lr": 0.001, "momentum": 0.9, "weight_decay": 0.0, "schedule": "cosine",
    "seed": 0, "data_seed": 0, "subset": 1000, "test_subset": 500, "classes": None, "binary": False,
    "eval_train": True, "device": "cpu"}


@pytest.mark.parametrize("strategy, alpha, r, decay_power, expected", [
    ("cutmix", 1.0, 0.5, 3.0, "cutmix:alpha=1.0"),  # r and decay_power: not cutmix's, ignored by the old run
    ("hmix", 2.0, 0.25, 3.0, "hmix:alpha=2.0,r=0.25"),
    ("fmix", 0.5, 0.5, 2.0, "fmix:alpha=0.5,decay_power=2.0"),
    ("none", 0.0, 7.0, -1.0, "none"),  # none took none of them, not even invalid ones
])
def test_first_format_dicts_load_with_their_parameters_in_the_spec(strategy, alpha, r, decay_power, expected):
    old = {**FIRST_FORMAT, "strategy": strategy, "alpha": alpha, "r": r, "decay_power": decay_power}
    config = TrainConfig.from_dict(old)
    assert config.strategy == expected
    assert config.to_dict() == {**{k: v for k, v in old.items() if k not in ("alpha", "r", "decay_power")},
                                "strategy": expected}


def test_a_user_class_spec_is_kept_as_written_and_not_imported_until_sampler():
    config = TrainConfig(strategy="msda_no_such_module:Stripe:width=3")
    assert config.strategy == "msda_no_such_module:Stripe:width=3" and config.family == "msda_no_such_module:Stripe"
    assert TrainConfig.from_dict(config.to_dict()) == config  # read back without importing
    with pytest.raises(ValueError, match=r"cannot import 'msda_no_such_module' for the strategy"):
        config.sampler()


@pytest.mark.parametrize("strategies, cause", [
    ([], "empty or not a list"), ("mixup", "empty or not a list"), (3, "'int' object is not iterable"),
    (["none", "mixup:r=1"], "mixup takes alpha; got r"), (["mixupp"], "unknown strategy 'mixupp'"),
])
def test_strategy_lists_are_checked_spec_by_spec(strategies, cause):
    with pytest.raises(ValueError, match=rf"^strategies must be a non-empty list from: {', '.join(STRATEGIES)} "
                                         rf"\(or specs .*\); got .*: {cause}"):
        strategy_specs(strategies)
    assert strategy_specs(["none", "hmix:r=0.25", "hmix"]) == ["none", "hmix:alpha=1.0,r=0.25", "hmix:alpha=1.0,r=0.5"]
