"""``fit``: train a model under a ``TrainConfig``, with per-epoch atomic checkpoints and resume.

Randomness (style point 3): no global state is seeded or consumed. Three
independent streams are spawned from ``config.seed`` with
``numpy.random.SeedSequence(seed).spawn(3)``: weight initialisation (run under
``torch.random.fork_rng`` so the caller's global generator is untouched), the
data order and the masks. The order and mask generators are saved in the
checkpoint as uint8 state tensors, so that 2 epochs straight and 1 epoch +
resume 1 epoch give the same weights and metrics on CPU (at a fixed number of
torch threads: reductions are ordered by thread count, so 1 and 2 threads agree
only to rounding).
"""
from __future__ import annotations

import json
import logging
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from msda_theory import masks
from msda_theory.io import dumps
from msda_theory.train.checkpoint import (
    CHECKPOINT, CHECKSUM, FORMAT, METRICS, read_checkpoint, read_metrics, remove_stale_staging, write_checkpoint,
    write_json_atomic,
)
from msda_theory.train.config import TrainConfig
from msda_theory.train.loop import evaluate_split, make_optimizer, train_epoch
from msda_theory.train.origin import ModelSource, describe, make_model
from msda_theory.train.runfolder import RunMismatchError, check_fingerprint, data_fingerprint, run_lock
from msda_theory.train.task import Task, prepare_task

EpochCallback = Callable[[int, nn.Module, dict[str, Any]], None]
logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    """What ``fit`` returns: the trained ``model`` (on config.device), the ``metrics`` dict
    (the content of metrics.json), the ``config``, the run folder (None if not saved) and
    ``resumed_epochs``, the epochs that were already done when ``fit`` started (0 for a fresh run)."""

    model: nn.Module
    metrics: dict[str, Any]
    config: TrainConfig
    out_dir: Path | None
    resumed_epochs: int = 0


def stream_seeds(seed: int) -> tuple[int, int, int]:
    """Seeds of the (init, order, mix) streams: ``SeedSequence(seed).spawn(3)``, one 63-bit int each."""
    children = np.random.SeedSequence(seed).spawn(3)
    init, order, mix = (int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children)
    return init, order, mix


def resolve_device(name: str) -> torch.device:
    """``torch.device(name)``, refusing CUDA or MPS where it is unavailable."""
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"unknown device {name!r}; use cpu, cuda, cuda:N or mps") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    if device.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise ValueError(f"device {name!r} requested but MPS is not available (Apple GPUs only)")
    return device


def init_model(config: TrainConfig, task: Task, model: ModelSource = None) -> nn.Module:
    """The run's model (see ``origin.make_model``); built ones draw their weights from the init stream."""
    return make_model(config, task.in_shape, task.outputs, model, seed=stream_seeds(config.seed)[0])


def _task_info(task: Task, source: str) -> dict[str, Any]:
    return {"in_shape": list(task.in_shape), "num_classes": task.num_classes, "outputs": task.outputs,
            "n_train": task.n_train, "n_test": task.n_test, "source": source}


def _source(task: Task, given: bool) -> str:
    """'loaded' (config.data), 'in-memory' (the caller's tensors or Dataset) or 'streamed' (a DataLoader)."""
    return "streamed" if task.streamed else "in-memory" if given else "loaded"


def _metrics(config: TrainConfig, task_info: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"config": config.to_dict(), "task": task_info, "epochs": records,
            "final": records[-1] if records else None, "complete": len(records) >= config.epochs}


def _as_written_now(stored: Any, device: str) -> dict[str, Any]:
    """A checkpoint's config dict on ``device``, as ``to_dict`` writes it now (a first-format dict upgraded)."""
    if not isinstance(stored, dict):
        return {}
    try:
        return TrainConfig.from_dict({**stored, "device": device}).to_dict()
    except (ValueError, TypeError):  # an invalid config: compared as it is, so the mismatch names its fields
        return dict(stored, device=device)


def _restore(out_dir: Path, config: TrainConfig, task_info: dict[str, Any], model: nn.Module,
             optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator]) -> list[dict[str, Any]]:
    """Load a verified checkpoint of the same config and data into model, optimizer and generators; return its records."""
    state = read_checkpoint(out_dir / CHECKPOINT)
    stored = _as_written_now(state["config"], config.device)
    if stored != config.to_dict():
        current = config.to_dict()
        diff = sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
        raise RunMismatchError(f"cannot resume {out_dir}: its checkpoint was written with a different config "
                               f"(fields {diff})")
    check_fingerprint(state.get("data"), task_info["data"], out_dir)
    stored_task = state["task"] if isinstance(state["task"], dict) else {}
    changed = sorted(k for k in ("in_shape", "num_classes", "outputs") if stored_task.get(k) != task_info[k])
    if changed:
        raise ValueError(f"cannot resume {out_dir}: its checkpoint's task differs from the data's (fields {changed})")
    try:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        for name, gen in generators.items():
            gen.set_state(state["generators"][name])
        records = [dict(r) for r in state["records"]]
    except (KeyError, TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"cannot resume {out_dir}: its checkpoint is damaged ({' '.join(str(err).split())[:200]})") from None
    if len(records) > config.epochs:
        raise ValueError(f"cannot resume {out_dir}: its checkpoint holds {len(records)} records for {config.epochs} epochs")
    return records


class RunExistsError(ValueError):
    """A run folder already holds a run and ``fit`` was asked neither to resume nor to overwrite it."""

    def __init__(self, folder: Path, held: list[str]) -> None:
        self.folder, self.held = folder, held
        super().__init__(f"run folder {folder} already holds a run ({', '.join(held)}); pass resume=True to "
                         "continue it or overwrite=True to replace it")


def _start(folder: Path, config: TrainConfig, task_info: dict[str, Any], model: nn.Module,
           optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator], *, resume: bool,
           overwrite: bool) -> list[dict[str, Any]]:
    """The records to continue from (under the folder's lock): resume, refuse, or clear the old run."""
    for stale in remove_stale_staging(folder):  # a killed run's staged writes
        logger.info("removed %s, a staged write of a run that was stopped", stale)
    if resume and (folder / CHECKPOINT).is_file():
        records = _restore(folder, config, task_info, model, optimizer, generators)
        metrics = _metrics(config, task_info, records)
        if read_metrics(folder) != json.loads(dumps(metrics)):  # stale or corrupt: rebuilt from the checkpoint
            write_json_atomic(folder / METRICS, metrics)
        return records
    held = [name for name in (CHECKPOINT, METRICS) if (folder / name).is_file()]
    if held and not resume and not overwrite:
        raise RunExistsError(folder, held)
    for name in (CHECKPOINT, CHECKSUM, METRICS):
        (folder / name).unlink(missing_ok=True)
    return []


def _save(out_dir: Path, config: TrainConfig, task_info: dict[str, Any], model: nn.Module,
          optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator],
          records: list[dict[str, Any]]) -> dict[str, Any]:
    """Checkpoint first (with its checksum), then metrics.json (both atomic); return the metrics dict."""
    write_checkpoint(out_dir, {
        "format": FORMAT, "epoch": len(records), "config": config.to_dict(), "task": task_info,
        "data": task_info["data"],
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "optimizer": optimizer.state_dict(),
        "generators": {name: gen.get_state() for name, gen in generators.items()},
        "records": records,
    })
    metrics = _metrics(config, task_info, records)
    write_json_atomic(out_dir / METRICS, metrics)
    return metrics


def _check_finite(record: dict[str, Any]) -> None:
    loss = record.get("train_loss")
    if isinstance(loss, float) and not math.isfinite(loss):
        raise ValueError(f"training diverged in epoch {record['epoch']} (train loss {loss}); lower the learning rate")


def _epoch_record(epoch: int, stats: dict[str, Any], model: nn.Module, task: Task,
                  config: TrainConfig, started: float) -> dict[str, Any]:
    record: dict[str, Any] = {"epoch": epoch + 1, **stats}
    test = evaluate_split(model, task, "test")
    record.update(test_loss=test and test["loss"], test_accuracy=test and test["accuracy"])
    if config.eval_train:
        clean = evaluate_split(model, task, "train")
        assert clean is not None
        record.update(clean_train_loss=clean["loss"], clean_train_accuracy=clean["accuracy"])
    record["seconds"] = time.perf_counter() - started
    return record


def _user_task(config: TrainConfig, model: ModelSource, train_data: Any, test_data: Any,
               keep_config_data: bool) -> tuple[TrainConfig, Task, str]:
    """(config naming the user's objects, the task, its source) for ``fit``'s data arguments."""
    if test_data is not None and train_data is None:
        raise ValueError("test_data needs train_data (a run trains and tests on data of one kind)")
    if keep_config_data and train_data is None:
        raise ValueError("keep_config_data=True needs train_data (the data that stand for config.data)")
    config = describe(config, model, None if keep_config_data else train_data)
    task = prepare_task(config, train_data, test_data)
    return config, task, _source(task, train_data is not None)


def _deprecated_data(aliases: dict[str, Any], train_data: Any, test_data: Any) -> tuple[Any, Any, bool]:
    """(train_data, test_data, keep_config_data) from ``fit``'s deprecated ``train_set=`` / ``test_set=``.

    They meant ``train_data=`` / ``test_data=`` with ``keep_config_data=True``; a DeprecationWarning says so.
    """
    unknown = sorted(set(aliases) - {"train_set", "test_set"})
    if unknown:
        raise TypeError(f"fit() got unexpected keyword arguments {unknown}")
    warnings.warn("fit(train_set=..., test_set=...) is deprecated and will be removed: pass train_data=..., "
                  "test_data=... with keep_config_data=True", DeprecationWarning, stacklevel=3)
    train_set, test_set = aliases.get("train_set"), aliases.get("test_set")
    for new, old, name in ((train_data, train_set, "train"), (test_data, test_set, "test")):
        if new is not None and old is not None:
            raise ValueError(f"pass {name}_data or {name}_set, not both")
    return (train_set if train_set is not None else train_data, test_set if test_set is not None else test_data,
            train_set is not None)


def fit(
    config: TrainConfig,
    out_dir: str | Path | None = None,
    *,
    model: ModelSource = None,
    train_data: Any = None,
    test_data: Any = None,
    keep_config_data: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    callback: EpochCallback | None = None,
    **deprecated: Any,
) -> RunResult:
    """Train ``config.model`` on ``config.data`` with ``config.strategy`` for ``config.epochs`` epochs.

    Args:
        config: the run's configuration.
        model: a user's model instead of ``config.model``: an nn.Module (trained in place and
            returned), a zero-argument callable returning one (called under the seeded init
            stream), or a ``"package.module:function"`` spec (imported from this argument,
            the current folder searched too). The returned config's ``model`` says which
            (``origin.describe``). A config naming ``factory:`` or ``custom:`` needs the model here:
            what a config names is never imported.
        train_data, test_data: a user's data instead of ``config.data``: a map-style
            ``Dataset`` of (x (C, H, W) float, y int) (read once into tensors), a
            ``DataLoader`` of (x, y) batches (streamed every epoch; ``subset`` and
            ``classes`` do not apply, the data fingerprint is stated as unavailable), or
            in-memory data with ``.x``/``.y``. The returned config's ``data`` is
            ``custom:<class name>`` (unless ``keep_config_data``); K is the data set's ``num_classes``,
            ``len(classes)`` or the largest label + 1. Also in-memory data (``.x`` (N, C, H, W), ``.y``
            (N,), ``.num_classes``). Without test data no test metrics are recorded (they are None).
        keep_config_data: the data stand for what ``config.data`` names (the experiments' synthetic or
            derived tasks): the recorded config keeps its ``data`` and ``batch_size`` as given.
        out_dir: run folder; after every epoch ``checkpoint.pt`` and ``metrics.json``
            are written atomically. None: nothing is written.
        resume: continue from ``out_dir/checkpoint.pt`` if it exists (its config must
            equal ``config`` up to ``device``, its data fingerprint the data's, its
            checksum its bytes); metrics.json is rebuilt from its records; a
            finished run is returned as is.
        overwrite: replace a run already in ``out_dir``. Without ``resume`` or
            ``overwrite`` a folder holding a run is refused. The folder is locked
            (``run_lock``) for the whole call.
        progress: show a tqdm bar per epoch.
        callback: called as ``callback(epoch, model, record)`` after each finished
            epoch (1-based) and its checkpoint; e.g. to track regularizers along training.
        **deprecated: ``train_set=``, ``test_set=``, this round only: ``train_data=``, ``test_data=`` with
            ``keep_config_data=True`` (a DeprecationWarning); any other keyword is a TypeError.

    Returns:
        RunResult(model, metrics, config (as recorded), out_dir); ``metrics["epochs"]`` holds one
        record per epoch: epoch, train_loss, train_accuracy, test_loss,
        test_accuracy, lr, seconds, train_seconds, mix_seconds (and
        clean_train_loss/accuracy with ``eval_train``).
    """
    device = resolve_device(config.device)
    if deprecated:
        train_data, test_data, keep_config_data = _deprecated_data(deprecated, train_data, test_data)
    config, task, source = _user_task(config, model, train_data, test_data, keep_config_data)
    task = task.to(device)
    task_info = {**_task_info(task, source), "data": data_fingerprint(task)}
    module = init_model(config, task, model).to(device)
    optimizer = make_optimizer(config, module)
    _, order_seed, mix_seed = stream_seeds(config.seed)
    generators = {"order": torch.Generator().manual_seed(order_seed), "mix": torch.Generator().manual_seed(mix_seed)}
    if out_dir is None:
        return _train(config, task, task_info, module, optimizer, generators, [], None, progress, callback)
    folder = Path(out_dir)
    with run_lock(folder):
        records = _start(folder, config, task_info, module, optimizer, generators, resume=resume, overwrite=overwrite)
        return _train(config, task, task_info, module, optimizer, generators, records, folder, progress, callback)


def epoch_line(config: TrainConfig, record: dict[str, Any]) -> str:
    """'[mixup seed 3] epoch 3/12: train loss 0.4411, test accuracy 44.1%': one epoch's log line, labelled and rounded."""
    accuracy = record.get("test_accuracy")
    shown = "n/a" if accuracy is None else f"{100 * accuracy:.1f}%"
    return (f"[{masks.short_spec(config.strategy)} seed {config.seed}] epoch {record['epoch']}/{config.epochs}: "
            f"train loss {record['train_loss']:.4f}, test accuracy {shown}")


def _train(config: TrainConfig, task: Task, task_info: dict[str, Any], model: nn.Module,
           optimizer: torch.optim.Optimizer, generators: dict[str, torch.Generator], records: list[dict[str, Any]],
           folder: Path | None, progress: bool, callback: EpochCallback | None) -> RunResult:
    """The epochs from ``len(records)`` to ``config.epochs``, saving after each when ``folder`` is set."""
    resumed = len(records)
    metrics = _metrics(config, task_info, records)
    for epoch in range(resumed, config.epochs):
        started = time.perf_counter()
        stats = train_epoch(model, optimizer, task, config, epoch=epoch, order_generator=generators["order"],
                            mix_generator=generators["mix"], progress=progress)
        records.append(_epoch_record(epoch, stats, model, task, config, started))
        _check_finite(records[-1])
        logger.info("%s", epoch_line(config, records[-1]))
        metrics = _metrics(config, task_info, records)
        if folder is not None:
            metrics = _save(folder, config, task_info, model, optimizer, generators, records)
        if callback is not None:
            callback(epoch + 1, model, records[-1])
    return RunResult(model=model.eval(), metrics=metrics, config=config, out_dir=folder, resumed_epochs=resumed)


__all__ = ["EpochCallback", "RunExistsError", "RunResult", "fit", "init_model", "resolve_device", "stream_seeds"]
