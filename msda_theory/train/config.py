"""The training configuration: one frozen, flat dataclass per run (style point 12).

It is written as JSON beside every checkpoint and metrics file
(``TrainConfig.to_dict``) and read back with ``TrainConfig.from_dict``. Each
field carries a one-line ``help`` in its metadata, from which the command line
builds its options.
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
    strategy: str = field(default="none", metadata=_help(f"mixing strategy: one of {', '.join(masks.strategies())}"))
    alpha: float = field(default=1.0, metadata=_help("Beta(alpha, alpha) parameter of the mixing ratio"))
    r: float = field(default=0.5, metadata=_help("HMix box share r in [0, 1]"))
    decay_power: float = field(default=3.0, metadata=_help("FMix spectral decay power"))
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
        for name in ("alpha", "r", "decay_power", "lr", "momentum", "weight_decay", "label_smoothing"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        _check_choices(self)
        _check_numbers(self)
        _check_task(self)
        self.sampler()  # validates alpha, r, decay_power with the mask families' messages

    def sampler(self) -> masks.BetaMaskFamily | None:
        """The mask law of ``strategy`` with the parameters it takes; None for ``'none'``."""
        return masks.from_params(self.strategy, alpha=self.alpha, r=self.r, decay_power=self.decay_power)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        out = asdict(self)
        if out["classes"] is not None:
            out["classes"] = list(out["classes"])
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """The config written by ``to_dict``; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        extra = sorted(set(values) - known)
        if extra:
            raise ValueError(f"unknown TrainConfig fields: {extra}")
        return cls(**values)


def _one_of(name: str, value: Any, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"unknown {name} {value!r}; choose one of: {', '.join(choices)}")


def _check_choices(c: TrainConfig) -> None:
    if not isinstance(c.data, str) or not c.data:
        raise ValueError(f"data must be a non-empty data set name, got {c.data!r}")
    if not _user_model(c.model):
        _one_of("model", c.model, MODELS)
    _one_of("activation", c.activation, tuple(ACTIVATIONS))
    _one_of("strategy", c.strategy, masks.strategies())
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


__all__ = ["CUSTOM", "FACTORY", "MAX_LR", "OPTIMIZERS", "SCHEDULES", "STRATEGIES", "TrainConfig"]  # noqa: F822 (STRATEGIES: module __getattr__)
