"""Where a run's model and data come from: built-in names, or a user's objects recorded by name in the config.

The config stays the record of what ran (style point 12). When ``fit`` is given
a user's model or data, the config's fields say so:

- ``model``: ``factory:package.module:function`` for a model from
  ``models.from_factory`` (or the spec itself, passed as a string): a checkpoint
  rebuilds it from the config alone; ``custom:<class name>`` for any other
  nn.Module or callable: ``load_checkpoint(path, model=...)`` loads the weights
  into a module the caller builds.
- ``data``: ``custom:<class name>`` of the Dataset (or of a DataLoader's data set).

Weights of a built-in, factory or callable model are drawn under a forked
global generator seeded by the run's init stream, so the same seed gives the
same initial weights; a ready nn.Module is used (and trained) as it is.
"""
from __future__ import annotations

import warnings
from dataclasses import replace
from typing import Any, Callable, Union

import torch
from torch import nn

from msda_theory.models import build, from_factory
from msda_theory.train.config import CUSTOM, FACTORY, TrainConfig

ModelSource = Union[nn.Module, Callable[[], nn.Module], str, None]
"""What ``fit(model=...)`` takes: an nn.Module, a zero-argument callable returning one, a
``"package.module:function"`` spec, or None (the config's built-in model)."""


def model_name(model: ModelSource, config: TrainConfig) -> str:
    """The config's ``model`` field for ``model``: factory:SPEC, custom:<class name>, or config.model for None."""
    if model is None:
        return config.model
    if isinstance(model, str):
        return model if model.startswith(FACTORY) else FACTORY + model
    if isinstance(model, nn.Module):
        spec = getattr(model, "msda_factory", None)
        return FACTORY + spec if isinstance(spec, str) else CUSTOM + type(model).__name__
    if callable(model):
        return CUSTOM + getattr(model, "__name__", type(model).__name__)
    raise ValueError(f"model must be an nn.Module, a callable returning one or 'package.module:function', "
                     f"got {type(model).__name__}")


def data_name(data: Any) -> str:
    """``custom:<class name>`` of a user's data set (a DataLoader is named by its data set)."""
    source = getattr(data, "dataset", data) if isinstance(data, torch.utils.data.DataLoader) else data
    return CUSTOM + type(source).__name__


def loader_batch_size(loader: torch.utils.data.DataLoader) -> int | None:
    """The batch size a DataLoader itself uses: its ``batch_size``, else its batch sampler's; None if neither states one."""
    for size in (loader.batch_size, getattr(loader.batch_sampler, "batch_size", None)):
        if isinstance(size, int) and not isinstance(size, bool) and size >= 1:
            return size
    return None


def describe(config: TrainConfig, model: ModelSource, train_data: Any) -> TrainConfig:
    """``config`` with ``model`` / ``data`` naming the user's objects (unchanged for built-in ones), and for a
    DataLoader the ``batch_size`` it batches with (config.batch_size does not apply to a loader)."""
    changes: dict[str, Any] = {"model": model_name(model, config)}
    if train_data is not None:
        changes["data"] = data_name(train_data)
    if isinstance(train_data, torch.utils.data.DataLoader):
        size = loader_batch_size(train_data)
        if size is None:
            warnings.warn(f"the training DataLoader states no batch size (its batch_sampler sets the batches): "
                          f"the recorded batch_size {config.batch_size} was not used", stacklevel=3)
        else:
            changes["batch_size"] = size
    return replace(config, **changes)


def _checked(model: Any, source: str) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise ValueError(f"{source} returned {type(model).__name__}, not a torch nn.Module")
    return model


def make_model(config: TrainConfig, in_shape: tuple[int, int, int], outputs: int, model: ModelSource = None,
               *, seed: int | None = None) -> nn.Module:
    """The run's model: ``model`` itself (an nn.Module), or built (callable, factory, built-in name).

    Building runs under ``torch.random.fork_rng`` seeded with ``seed`` when given (the caller's global
    generator is untouched). ``custom:`` in the config without a module to use is an error.
    """
    if isinstance(model, nn.Module):
        return model
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        if callable(model):
            return _checked(model(), f"the model callable {getattr(model, '__name__', model)!r}")
        if config.model.startswith(FACTORY):
            return from_factory(config.model[len(FACTORY):])
        if config.model.startswith(CUSTOM):
            raise ValueError(f"config.model {config.model!r} names a user's model: pass the module itself "
                             "(fit(..., model=...) or load_checkpoint(path, model=...))")
        return build(config.model, in_shape, outputs, activation=config.activation)


__all__ = ["ModelSource", "data_name", "describe", "loader_batch_size", "make_model", "model_name"]
