"""The command line's model and data options, mapped onto ``train.origin`` (the one home of model loading).

- ``--model package.module:function`` (``factory:`` prefix optional): a user's model factory, imported from
  the text typed (the current folder is searched, no ``PYTHONPATH=.`` needed); ``--model-weights FILE`` is a
  state dict saved with ``torch.save(model.state_dict(), FILE)`` or a msda_theory ``checkpoint.pt`` (its
  ``model`` entry), read with ``weights_only=True``.
- ``--checkpoint DIR``: a built-in model is rebuilt; a user's model needs ``--model`` (what a checkpoint names is
  never imported), and a factory given must be the one the run recorded.
- ``--data package.module:name``: a user's map-style Dataset, or a zero-argument callable returning one.
- ``--preprocessing MEAN,..:STD,..``: the per-channel normalisation the model expects.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

import torch
from torch import nn

from msda_theory.data.user import user_dataset
from msda_theory.models import from_spec
from msda_theory.train.config import CUSTOM, FACTORY
from msda_theory.train.origin import UserModelNeeded, model_from_state, user_model
from msda_theory.user_objects import is_spec, resolve


def parse_preprocessing(text: str | None) -> tuple[list[float], list[float]] | None:
    """'0.5,0.5,0.5:0.25,0.25,0.25' -> ([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]); None stays None."""
    if text is None:
        return None
    mean_text, sep, std_text = text.partition(":")
    try:
        mean = [float(v) for v in mean_text.split(",") if v.strip()]
        std = [float(v) for v in std_text.split(",") if v.strip()]
    except ValueError:
        mean = std = []
    if not sep or not mean or len(mean) != len(std) or not all(math.isfinite(v) for v in mean + std):
        raise ValueError(f"--preprocessing must look like MEAN,..:STD,.. with as many finite stds as means, "
                         f"got {text!r}")
    return mean, std


def model_spec(text: str | None) -> str | None:
    """``package.module:function`` of a ``--model`` naming a user's factory (``factory:`` optional), else None.

    ``custom:NAME`` (the record of a module passed from Python) is refused: the command line cannot pass one.
    """
    if text is None:
        return None
    if text.startswith(CUSTOM):
        raise ValueError(f"--model {text!r} names a module only Python can pass; on the command line give its "
                         "factory, --model package.module:function")
    spec = text[len(FACTORY):] if text.startswith(FACTORY) else text
    return spec if is_spec(spec) else None


def factory_for_fit(spec: str) -> Callable[[], nn.Module]:
    """A zero-argument callable building ``--model spec`` for ``fit`` (under the run's seed; recorded as factory:SPEC).

    The module is imported here, once, so that a bad spec fails before any data are read.
    """
    if not callable(resolve(spec, "--model")):
        raise ValueError(f"--model {spec!r} names no callable returning an nn.Module")
    build = functools.partial(from_spec, spec, "--model")
    build.msda_factory = spec  # type: ignore[attr-defined]  (origin.model_name records it)
    return build


def checkpoint_model(state: dict[str, Any], source: str, spec: str | None) -> tuple[nn.Module, Any]:
    """(model, config) of a checkpoint dict: its built-in model, or ``--model spec`` with the run's weights."""
    into = None if spec is None else user_model(spec)
    try:
        return model_from_state(state, source, model=into)
    except UserModelNeeded as err:
        raise ValueError(f"{source} names a user's model {err.recorded!r}, and code named in a file is never "
                         "imported: give the model with --model package.module:function") from None


def user_data_tensors(text: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(x (N, C, H, W) float32, y (N,) int64, K) of ``--data package.module:name``, every item in index order."""
    from msda_theory.data.items import count_classes, read_dataset

    dataset = user_dataset(text, "--data")
    x, y = read_dataset(dataset, f"--data {text}")
    return x, y, count_classes(dataset, [y])


__all__ = ["checkpoint_model", "factory_for_fit", "model_spec", "parse_preprocessing", "user_data_tensors",
           "user_model"]
