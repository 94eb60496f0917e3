"""Where a model comes from, the one home of model loading: built-in names, a user's objects, checkpoints.

The config stays the record of what ran (style point 12). When ``fit`` is given
a user's model or data, the config's fields say so:

- ``model``: ``factory:package.module:function`` for a model built from a spec the
  caller typed (``fit(model="pkg.mod:fn")``, ``--model pkg.mod:fn``);
  ``custom:<class name>`` for any other nn.Module or callable.
- ``data``: ``custom:<class name>`` of the Dataset (or of a DataLoader's data set).

Nothing named in a file is imported or called: a checkpoint rebuilds only the
built-in architectures of ``models.MODELS``; a checkpoint of a user's model
(``factory:`` or ``custom:``) loads into the module the caller gives
(``load_checkpoint(path, model=...)``, ``--model pkg.mod:fn`` on the command
line), and a given factory module must be the one the run recorded.

Weights of a built-in, factory or callable model are drawn under a forked
global generator seeded by the run's init stream, so the same seed gives the
same initial weights; a ready nn.Module is used (and trained) as it is.
"""
from __future__ import annotations

import math
import os
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Union

import torch
from torch import nn

from msda_theory.io import AllocationError, check_allocation
from msda_theory.models import MODELS, build, from_spec
from msda_theory.train.checkpoint import checkpoint_path, load_plain, read_checkpoint
from msda_theory.train.config import CUSTOM, FACTORY, TrainConfig
from msda_theory.user_objects import split_spec

ModelSource = Union[nn.Module, Callable[[], nn.Module], str, None]
"""What ``fit(model=...)`` takes: an nn.Module, a zero-argument callable returning one, a
``"package.module:function"`` spec, or None (the config's built-in model)."""


class UserModelNeeded(ValueError):
    """A checkpoint of a user's model (``recorded``: ``factory:...`` or ``custom:...``) was loaded without one."""

    def __init__(self, source: str, recorded: str) -> None:
        self.source, self.recorded = source, recorded
        super().__init__(f"{source} names a user's model {recorded!r}, and code named in a file is never imported: "
                         "build the model and pass it, load_checkpoint(path, model=...)")


def factory_spec(recorded: str) -> str | None:
    """``package.module:function`` of a recorded ``factory:`` model name, else None."""
    return recorded[len(FACTORY):] if recorded.startswith(FACTORY) else None


def model_name(model: ModelSource, config: TrainConfig) -> str:
    """The config's ``model`` field for ``model``: factory:SPEC, custom:<class name>, or config.model for None."""
    if model is None:
        return config.model
    if isinstance(model, str):
        split_spec(model[len(FACTORY):] if model.startswith(FACTORY) else model, "fit(model=...)")
        return model if model.startswith(FACTORY) else FACTORY + model
    spec = getattr(model, "msda_factory", None)  # set by models.from_spec and by the command line's factories
    if isinstance(model, nn.Module) or callable(model):
        if isinstance(spec, str):
            return FACTORY + spec
        return CUSTOM + (type(model).__name__ if isinstance(model, nn.Module)
                         else getattr(model, "__name__", type(model).__name__))
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
    """``fit``'s model: ``model`` itself (an nn.Module), or built (callable, spec, built-in ``config.model``).

    Building runs under ``torch.random.fork_rng`` seeded with ``seed`` when given (the caller's global
    generator is untouched). A ``factory:`` or ``custom:`` config without the model itself is an error:
    what a config names is never imported.
    """
    if isinstance(model, nn.Module):
        return model
    with torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        if isinstance(model, str):
            return from_spec(model[len(FACTORY):] if model.startswith(FACTORY) else model, "fit(model=...)")
        if callable(model):
            return _checked(model(), f"the model callable {getattr(model, '__name__', model)!r}")
        if config.model.startswith((CUSTOM, FACTORY)):
            spec = factory_spec(config.model)
            raise ValueError(f"config.model {config.model!r} names a user's model: pass it itself, "
                             f"fit(..., model={spec or '...'!r}); a config never names code to import")
        return build(config.model, in_shape, outputs, activation=config.activation)


def build_within_cap(name: str, in_shape: tuple[int, int, int], outputs: int, activation: str) -> nn.Module:
    """The built-in ``name``, after counting its parameters on the meta device against ``MAX_ALLOC_BYTES`` (float32)."""
    with torch.device("meta"):
        shadow = build(name, in_shape, outputs, activation=activation)
    n = sum(p.numel() for p in shadow.parameters())
    check_allocation(4 * n, f"a {name} with in_shape {in_shape} and {outputs} outputs ({n:,} parameters)")
    return build(name, in_shape, outputs, activation=activation)


def read_weights(path: str | os.PathLike, what: str) -> dict[str, torch.Tensor]:
    """The state dict in a weights file: the file itself, or the ``model`` entry of a msda_theory checkpoint."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"no weights file at {file}")
    state = load_plain(file, f"{what} {file}")
    if isinstance(state, dict) and "format" in state and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{what} {file} holds no state dict (name -> tensor)")
    return state


def user_model(spec: str, weights: str | os.PathLike | None = None, *, what: str = "--model",
               weights_what: str = "--model-weights") -> nn.Module:
    """The model of the factory ``spec`` the user typed (in eval mode), with the weights file loaded when given."""
    model = from_spec(spec, what)
    if weights is not None:
        try:
            model.load_state_dict(read_weights(weights, weights_what))
        except RuntimeError as err:
            raise ValueError(f"{weights_what} {weights} do not fit the model of {spec}: "
                             f"{' '.join(str(err).split())[:200]}") from None
    return model.eval()


def _task_shape(task: Any) -> tuple[tuple[int, int, int], int]:
    """(in_shape, outputs) of a checkpoint's task entry, checked: three positive ints and a positive int."""
    try:
        in_shape = tuple(int(v) for v in task["in_shape"])
        outputs = int(task["outputs"])
    except (KeyError, TypeError, ValueError, OverflowError):
        raise ValueError("its task entry needs in_shape (C, H, W) and outputs") from None
    if len(in_shape) != 3 or min(in_shape) < 1 or outputs < 1:
        raise ValueError(f"its task has in_shape {in_shape} and outputs {outputs}; expected positive sizes")
    if math.prod(in_shape) > 2**40:
        raise ValueError(f"its task has an absurd in_shape {in_shape}")
    return in_shape, outputs  # type: ignore[return-value]


def _config(state: dict[str, Any], source: str) -> TrainConfig:
    """The checkpoint's TrainConfig (validated: its model is a built-in, factory:SPEC or custom:NAME)."""
    try:
        if not isinstance(state.get("config"), dict):
            raise ValueError("its config entry is not a dict")
        return TrainConfig.from_dict(state["config"])
    except (ValueError, TypeError) as err:
        raise ValueError(f"cannot rebuild the model of {source}: {' '.join(str(err).split())[:300]}") from None


def _into(config: TrainConfig, source: str, model: nn.Module | None) -> nn.Module | None:
    """The caller's module to load into (checked against a recorded factory), None for a built-in, or an error."""
    if model is None:
        if config.model not in MODELS:
            raise UserModelNeeded(source, config.model)
        return None
    if not isinstance(model, nn.Module):
        raise ValueError(f"model must be an nn.Module, got {type(model).__name__}")
    given, recorded = getattr(model, "msda_factory", None), factory_spec(config.model)
    if isinstance(given, str) and recorded is not None and given != recorded:
        raise ValueError(f"the model given is built by {given!r} but {source} records the factory {recorded!r}")
    return model


def model_from_state(state: dict[str, Any], source: str = "checkpoint", *,
                     model: nn.Module | None = None) -> tuple[nn.Module, TrainConfig]:
    """Rebuild the model of a checkpoint dict (CPU, eval mode) and its config; errors name ``source``.

    A built-in model is built from the config; a user's model (``factory:`` / ``custom:``) needs ``model``,
    the module to load the weights into (``UserModelNeeded`` otherwise): nothing the file names is imported.
    """
    config = _config(state, source)
    into = _into(config, source, model)
    try:
        in_shape, outputs = _task_shape(state.get("task"))
        module = into if into is not None else build_within_cap(config.model, in_shape, outputs, config.activation)
        module.load_state_dict(state["model"])
    except AllocationError:
        raise
    except (ValueError, TypeError, KeyError, RuntimeError, AttributeError) as err:
        reason = " ".join(str(err).split())[:300]
        raise ValueError(f"cannot rebuild the model of {source}: {reason}") from None
    return module.eval(), config


def load_checkpoint(path: str | os.PathLike, *, model: nn.Module | None = None) -> tuple[nn.Module, TrainConfig]:
    """The trained model (CPU, eval mode) and config stored in a run folder or ``checkpoint.pt``.

    A built-in model is rebuilt from the config. A user's model (config ``model`` = ``custom:<class>`` or
    ``factory:package.module:function``) is loaded into ``model``, which the caller builds: the checkpoint's
    record of the factory is compared with a ``models.from_factory`` module, never imported.
    """
    return model_from_state(read_checkpoint(path), str(checkpoint_path(path)), model=model)


__all__ = [
    "ModelSource", "UserModelNeeded", "build_within_cap", "data_name", "describe", "factory_spec", "load_checkpoint",
    "loader_batch_size", "make_model", "model_from_state", "model_name", "read_weights", "user_model",
]
