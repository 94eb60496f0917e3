"""The training configuration: one frozen, flat dataclass per run (style point 12).

It is written as JSON beside every checkpoint and metrics file
(``TrainConfig.to_dict``) and read back with ``TrainConfig.from_dict``. Each
field carries a one-line ``help`` in its metadata, from which the command line
builds its options. The mask law and its parameters are one strategy spec
(``masks.spec``), recorded with every parameter filled in:
``TrainConfig(strategy="hmix:r=0.25").strategy == "hmix:alpha=1.0,r=0.25"``. Dicts of the
first format (flat ``alpha``, ``r``, ``decay_power`` fields beside a bare name) still load:
``from_dict`` folds the values the family takes into the spec (the run used no others).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from msda_theory import masks
from msda_theory.mix import MODES, PAIRINGS
from msda_theory.models import ACTIVATIONS, MODELS

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "constant")
CUSTOM = "custom:"
"""Prefix of ``model`` / ``data`` when ``fit`` was given a user's object: ``custom:<class name>``."""
FACTORY = "factory:"
"""Prefix of ``model`` for a model built by ``models.from_factory``: ``factory:package.module:function``."""
MAX_LR = 1e3
"""The largest learning rate accepted: far above any useful one, far below float32 overflow in the update."""
FLAT_PARAMETERS = ("alpha", "r", "decay_power")
"""The family parameters that first-format configs held as fields of their own (``from_dict`` folds them)."""


def __getattr__(name: str) -> Any:
    """``STRATEGIES``: a live view of the mask registry, ("none", *masks.FAMILIES)."""
    if name == "STRATEGIES":
        return masks.strategies()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run; the same config and seed give the same metrics on CPU.

    Randomness: ``seed`` seeds the weight initialisation, the data order and the
    masks; ``data_seed`` seeds the draw of the ``subset`` / ``test_subset``, so
    that all seeds of a sweep train on the same subset.
    """

    data: str = field(default="digits", metadata=_help("data set name: digits, fashion-mnist, cifar10, cifar100, npz:PATH"))
    root: str | None = field(default=None, metadata=_help("folder holding the data set files (cifar: required)"))
    model: str = field(default="cnn", metadata=_help(f"architecture: one of {', '.join(MODELS)}, or "
                                                     "factory:package.module:function"))
    activation: str = field(default="relu", metadata=_help(f"activation: one of {', '.join(ACTIVATIONS)}"))
    strategy: str = field(default="none", metadata=_help(f"mixing strategy spec: {masks.spec.GRAMMAR}"))
    mode: str = field(default="batch", metadata=_help("batch: one mask per batch; elem: one mask per image"))
    pairing: str = field(default="flip", metadata=_help("partner of image i: flip (B-1-i) or perm (random)"))
    label_smoothing: float = field(default=0.0, metadata=_help("label smoothing eps in [0, 1)"))
    epochs: int = field(default=5, metadata=_help("number of epochs"))
    batch_size: int = field(default=128, metadata=_help("mini-batch size"))
    optimizer: str = field(default="sgd", metadata=_help("sgd (with momentum) or adam"))
    lr: float = field(default=0.1, metadata=_help("peak learning rate"))
    momentum: float = field(default=0.9, metadata=_help("SGD momentum in [0, 1)"))
    weight_decay: float = field(default=5e-4, metadata=_help("L2 weight decay"))
    schedule: str = field(default="cosine", metadata=_help("learning-rate schedule per step: cosine or constant"))
    seed: int = field(default=0, metadata=_help("seed of weight init, data order and masks"))
    data_seed: int = field(default=0, metadata=_help("seed of the subset draws"))
    subset: int | None = field(default=None, metadata=_help("train on this many samples (drawn with data_seed)"))
    test_subset: int | None = field(default=None, metadata=_help("test on this many samples (drawn with data_seed)"))
    classes: tuple[int, ...] | None = field(default=None, metadata=_help("keep only these classes, relabelled 0..k-1 in this order"))
    binary: bool = field(default=False, metadata=_help("two classes, one logit, BCE-with-logits on the mixed label"))
    eval_train: bool = field(default=False, metadata=_help("also evaluate on the clean training set after each epoch"))
    device: str = field(default="cpu", metadata=_help("cpu, cuda, cuda:N or mps (Apple GPUs)"))

    def __post_init__(self) -> None:
        if self.classes is not None and not isinstance(self.classes, tuple):
            object.__setattr__(self, "classes", tuple(self.classes))
        for name in ("lr", "momentum", "weight_decay", "label_smoothing"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        # validated by the family's dataclass, written with every parameter; a user's module:Class is not imported
        object.__setattr__(self, "strategy", masks.canonical_spec(self.strategy))
        _check_choices(self)
        _check_numbers(self)
        _check_task(self)

    @property
    def family(self) -> str:
        """The strategy's name without parameters: 'hmix', 'none', or a user's 'module:Class'."""
        return masks.parse_spec(self.strategy)[0]

    def sampler(self) -> Any:
        """The mask law of the ``strategy`` spec (``masks.from_spec``); None for ``'none'``.

        A user's ``module:Class`` is imported here, never when a config is built or read from a file.
        """
        return masks.from_spec(self.strategy)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        out = asdict(self)
        if out["classes"] is not None:
            out["classes"] = list(out["classes"])
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """The config written by ``to_dict`` (or by the first format, see the module docstring); unknown keys are an error."""
        values = fold_flat_parameters(values)
        known = {f.name for f in fields(cls)}
        extra = sorted(set(values) - known)
        if extra:
            raise ValueError(f"unknown TrainConfig fields: {extra}")
        return cls(**values)


def strategy_specs(strategies: Any) -> list[str]:
    """The canonical specs of a non-empty list of strategy specs (repeats kept), or one ValueError naming the choices."""
    try:
        if isinstance(strategies, str) or not strategies:
            raise ValueError("empty or not a list")
        return [masks.canonical_spec(text) for text in strategies]
    except (ValueError, TypeError) as err:
        raise ValueError(f"strategies must be a non-empty list from: {', '.join(masks.strategies())} (or specs "
                         f"{masks.spec.GRAMMAR}); got {strategies!r}: {err}") from None


def fold_flat_parameters(values: dict[str, Any]) -> dict[str, Any]:
    """A first-format config dict with its flat ``alpha``, ``r``, ``decay_power`` moved into the strategy spec.

    {"strategy": "hmix", "alpha": 2.0, "r": 0.25, "decay_power": 3.0} -> {"strategy": "hmix:alpha=2.0,r=0.25"}:
    only the values the family takes (the old configs carried all three for every strategy, the run used its own).
    Parameters written in the spec itself win. Other dicts are returned unchanged.
    """
    flat = {k: values[k] for k in FLAT_PARAMETERS if k in values}
    if not flat:
        return values
    rest = {k: v for k, v in values.items() if k not in flat}
    name, params = masks.parse_spec(rest.get("strategy", "none"))
    taken = masks.registry.parameter_names(masks.FAMILIES[name]) if name in masks.FAMILIES else set()
    rest["strategy"] = masks.format_spec(name, {**{k: v for k, v in flat.items() if k in taken}, **params})
    return rest


def _one_of(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")


def _check_choices(c: TrainConfig) -> None:
    if not isinstance(c.data, str) or not c.data:
        raise ValueError(f"data must be a non-empty data set name, got {c.data!r}")
    if not _user_model(c.model):
        _one_of("model", c.model, MODELS)
    _one_of("activation", c.activation, tuple(ACTIVATIONS))
    _one_of("mode", c.mode, MODES)
    _one_of("pairing", c.pairing, PAIRINGS)
    _one_of("optimizer", c.optimizer, OPTIMIZERS)
    _one_of("schedule", c.schedule, SCHEDULES)
    device = c.device
    if not (device in ("cpu", "cuda", "mps") or (device.startswith("cuda:") and device[5:].isdigit())):
        raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:N' or 'mps', got {device!r}")


def _user_model(name: Any) -> bool:
    """``custom:<name>`` (a user's nn.Module) or ``factory:package.module:function`` (a record, never imported)."""
    if not isinstance(name, str):
        return False
    if name.startswith(CUSTOM):
        return bool(name[len(CUSTOM):])
    module, sep, function = name[len(FACTORY):].partition(":")
    return name.startswith(FACTORY) and bool(module) and bool(sep) and function.isidentifier()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_numbers(c: TrainConfig) -> None:
    for name in ("epochs", "batch_size"):
        if not _is_int(getattr(c, name)) or getattr(c, name) < 1:
            raise ValueError(f"{name} must be a positive integer, got {getattr(c, name)!r}")
    for name in ("seed", "data_seed"):
        if not _is_int(getattr(c, name)) or getattr(c, name) < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {getattr(c, name)!r}")
    for name in ("subset", "test_subset"):
        value = getattr(c, name)
        if value is not None and (not _is_int(value) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    if not isinstance(c.lr, float) or not math.isfinite(c.lr) or not 0 < c.lr <= MAX_LR:
        raise ValueError(f"lr must be a number in (0, {MAX_LR:g}], got {c.lr!r}")
    if not isinstance(c.momentum, float) or not 0.0 <= c.momentum < 1.0:
        raise ValueError(f"momentum must be in [0, 1), got {c.momentum!r}")
    if not isinstance(c.weight_decay, float) or not math.isfinite(c.weight_decay) or c.weight_decay < 0:
        raise ValueError(f"weight_decay must be a finite number >= 0, got {c.weight_decay!r}")
    if not isinstance(c.label_smoothing, float) or not 0.0 <= c.label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {c.label_smoothing!r}")


def _check_task(c: TrainConfig) -> None:
    if c.classes is not None:
        ok = all(_is_int(k) and k >= 0 for k in c.classes)
        if not ok or len(c.classes) < 2 or len(set(c.classes)) != len(c.classes):
            raise ValueError(f"classes must be at least two distinct non-negative class indices, got {c.classes!r}")
    if not isinstance(c.binary, bool) or not isinstance(c.eval_train, bool):
        raise ValueError(f"binary and eval_train must be booleans, got {c.binary!r} and {c.eval_train!r}")
    if c.binary and c.classes is not None and len(c.classes) != 2:
        raise ValueError(f"binary needs exactly two classes, got classes={c.classes!r}")


__all__ = ["CUSTOM", "FACTORY", "FLAT_PARAMETERS", "MAX_LR", "OPTIMIZERS", "SCHEDULES", "STRATEGIES", "TrainConfig",
           "fold_flat_parameters", "strategy_specs"]  # noqa: F822 (STRATEGIES: module __getattr__)
