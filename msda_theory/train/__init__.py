"""Training with mixed sample data augmentation (docs/theory.md sections 2 and 8-9).

- ``TrainConfig``: the frozen, flat configuration of a run (written as JSON beside results); its
  ``strategy`` is a spec, ``"hmix:alpha=2,r=0.25"`` (``masks.spec``).
- ``fit(config, out_dir, *, model, train_data, test_data, resume, progress, callback) -> RunResult``:
  trains with per-epoch atomic ``checkpoint.pt`` + ``metrics.json``; resumable; the
  same seed gives the same metrics on CPU. ``model``: a user's nn.Module, a callable
  building one, or ``"package.module:function"``; ``train_data``/``test_data``: a user's
  map-style Dataset (read once) or DataLoader (streamed); the config records them by name.
- ``load_checkpoint(path, *, model=None) -> (model, config)`` (a user's model loads into ``model``: nothing
  named in a file is imported), ``evaluate(model, x, y) -> {loss, accuracy}``.
- ``run_sweep``: strategies x seeds (x data sets, or a user's model and data) through joblib, with a results table.
- ``epoch_cost``: per-epoch training time of each strategy relative to Mixup (claim 12).
- ``STRATEGIES``: ("none", *registered families), read live from the mask registry.
"""
from typing import Any

from msda_theory import masks
from msda_theory.train.checkpoint import is_finished, read_checkpoint, read_metrics
from msda_theory.train.config import TrainConfig
from msda_theory.train.cost import epoch_cost
from msda_theory.train.fit import RunResult, fit
from msda_theory.train.loop import evaluate, training_loss
from msda_theory.train.origin import load_checkpoint
from msda_theory.train.sweep import run_sweep
from msda_theory.train.task import Task, prepare_task



def __getattr__(name: str) -> Any:
    """``STRATEGIES``: a live view of the mask registry, ("none", *masks.FAMILIES), never a snapshot."""
    if name == "STRATEGIES":
        return masks.strategies()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [  # noqa: F822 (STRATEGIES: module __getattr__)
    "STRATEGIES",
    "RunResult",
    "Task",
    "TrainConfig",
    "epoch_cost",
    "evaluate",
    "fit",
    "is_finished",
    "load_checkpoint",
    "prepare_task",
    "read_checkpoint",
    "read_metrics",
    "run_sweep",
    "training_loss",
]
