"""One epoch of MSDA training and the clean evaluation (docs/theory.md sections 1-2).

Training minimises the MSDA loss with soft labels: for each mini-batch
(x, y) the mixed batch ``x~, y~ = mix(x, y, sampler, ...)`` and

    softmax:  loss = mean_b ( -sum_k y~[b, k] * log_softmax(f(x~))[b, k] )
    binary:   loss = mean_b BCEWithLogits(f(x~)[b, 0], y~[b, 1])

(one logit; y~[:, 1] is the mixed probability of the second class). With
strategy 'none' the same loss is used with the (smoothed) one-hot rows.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, Iterable, Iterator

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from msda_theory.data import items
from msda_theory.mix import mix, refuse_non_finite, soft_labels
from msda_theory.models import predict as predictions
from msda_theory.train.config import TrainConfig
from msda_theory.train.task import Task


def training_loss(logits: Tensor, target: Tensor) -> Tensor:
    """Soft-label loss of logits (B, K) against probability rows (B, K), or (B, 1) against rows (B, 2).

    K > 1: mean_b -sum_k target[b, k] log_softmax(logits)[b, k];
    K = 1: mean_b BCEWithLogits(logits[b, 0], target[b, 1]).
    """
    if logits.shape[1] == 1:
        if target.shape[1] != 2:
            raise ValueError(f"a single logit needs two-class target rows (B, 2), got {tuple(target.shape)}")
        return nn.functional.binary_cross_entropy_with_logits(logits[:, 0], target[:, 1].to(logits.dtype))
    if target.shape != logits.shape:
        raise ValueError(f"target rows {tuple(target.shape)} do not match logits {tuple(logits.shape)}")
    return -(target * torch.log_softmax(logits, dim=1)).sum(1).mean()


def model_dtype(model: nn.Module) -> torch.dtype:
    """The dtype of the model's first floating parameter (float32 for a model without one): inputs are cast to it."""
    for p in model.parameters():
        if p.is_floating_point():
            return p.dtype
    return torch.float32


@torch.no_grad()
def evaluate_batches(model: nn.Module, batches: Iterable[tuple[Tensor, Tensor]]) -> dict[str, float]:
    """Clean loss and accuracy over (x (B, C, H, W), y (B,)) batches: mean_i l(f(x_i), y_i), mean_i [pred_i == y_i].

    Each batch is moved to the model's device and dtype; the model runs in eval mode, its mode restored afterwards.
    """
    device, dtype = next(model.parameters()).device, model_dtype(model)
    was_training = model.training
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    for xb, yb in batches:
        xb, yb = xb.to(device, dtype), yb.to(device)
        logits = model(xb)
        if logits.shape[1] == 1:
            loss = nn.functional.binary_cross_entropy_with_logits(logits[:, 0], yb.to(logits.dtype), reduction="sum")
        else:
            loss = nn.functional.cross_entropy(logits, yb, reduction="sum")
        loss_sum += float(loss)
        correct += int((predictions(logits) == yb).sum())
        n += len(yb)
    model.train(was_training)
    if n == 0:
        raise ValueError("evaluation data hold no samples")
    return {"loss": loss_sum / n, "accuracy": correct / n}


def evaluate(model: nn.Module, x: Tensor, y: Tensor, *, batch_size: int = 1024) -> dict[str, float]:
    """Clean loss and accuracy: mean_i l(f(x_i), y_i) and mean_i [pred_i == y_i].

    Args:
        model: maps (B, C, H, W) to logits (B, K), or (B, 1) for a binary task.
        x: images (N, C, H, W); moved batch by batch to the model's device.
        y: class indices (N,) (0/1 for a binary model).
        batch_size: images per forward pass.

    Returns:
        {"loss": cross-entropy (or BCE-with-logits), "accuracy": fraction correct}.
        The model is evaluated in eval mode and its mode restored afterwards.
    """
    if len(x) == 0 or len(x) != len(y):
        raise ValueError(f"x and y must hold the same positive number of samples, got {len(x)} and {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return evaluate_batches(model, ((x[i:i + batch_size], y[i:i + batch_size]) for i in range(0, len(x), batch_size)))


def evaluate_split(model: nn.Module, task: Task, split: str) -> dict[str, float] | None:
    """``evaluate`` on the task's train or test split (tensors or a streamed loader); None when it has none."""
    x, y = (task.x_train, task.y_train) if split == "train" else (task.x_test, task.y_test)
    loader = task.train_loader if split == "train" else task.test_loader
    if loader is not None:
        return evaluate_batches(model, items.loader_batches(loader, split))
    return None if x is None or y is None else evaluate(model, x, y)


def make_optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    """SGD with momentum (L2 weight decay) or Adam, at the peak learning rate ``config.lr``."""
    if config.optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.SGD(model.parameters(), lr=config.lr, momentum=config.momentum,
                           weight_decay=config.weight_decay)


def learning_rate(config: TrainConfig, step: int, total_steps: int) -> float:
    """lr(step): constant, or cosine lr * (1 + cos(pi * step / total_steps)) / 2 (stateless, so resumes exactly)."""
    if config.schedule == "constant":
        return config.lr
    return config.lr * 0.5 * (1.0 + math.cos(math.pi * step / total_steps))


def steps_per_epoch(n: int, batch_size: int) -> int:
    """ceil(n / batch_size): the last, smaller batch is kept."""
    return -(-n // batch_size)


def task_steps(task: Task, batch_size: int) -> int | None:
    """Steps per epoch: ceil(N / batch_size) for tensors, ``len(loader)`` for a loader (None without a length)."""
    if task.train_loader is not None:
        return items.loader_length(task.train_loader)
    assert task.y_train is not None
    return steps_per_epoch(len(task.y_train), batch_size)


def epoch_batches(task: Task, batch_size: int, generator: torch.Generator) -> Iterator[tuple[Tensor, Tensor]]:
    """(x (B, C, H, W), y (B,)) batches of one epoch: a generator-drawn permutation of the tensors, or one
    pass over the task's loader (its own sampler orders it; ``generator`` is then unused)."""
    if task.train_loader is not None:
        yield from items.loader_batches(task.train_loader, "train")
        return
    assert task.x_train is not None and task.y_train is not None
    order = torch.randperm(len(task.y_train), generator=generator)
    for start in range(0, len(order), batch_size):
        index = order[start:start + batch_size]
        yield task.x_train[index], task.y_train[index]


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    task: Task,
    config: TrainConfig,
    *,
    epoch: int,
    order_generator: torch.Generator,
    mix_generator: torch.Generator,
    progress: bool = False,
    objective: Callable[[nn.Module, Tensor, Tensor], Tensor] | None = None,
) -> dict[str, Any]:
    """Train one epoch (0-based ``epoch``) over a generator-drawn permutation of the training set (or its loader).

    ``objective(model, x, y) -> scalar`` replaces the (mixed) training loss when given, e.g. an explicit
    regularizer L_std + R1 + R2 (no mixing then; the batches, schedule and optimizer step are the same).

    Returns {"train_loss": mean MSDA loss (or objective), "train_accuracy": share of predictions
    equal to the argmax of the mixed target (None with an objective), "lr": last learning rate,
    "train_seconds": wall time, "mix_seconds": time spent in ``mix``}.
    """
    device, dtype = next(model.parameters()).device, model_dtype(model)
    sampler = config.sampler()
    steps = task_steps(task, config.batch_size)
    if steps is None and config.schedule == "cosine":
        raise ValueError("a DataLoader without a length (IterableDataset) needs schedule='constant'")
    model.train()
    loss_sum, agree, n, mix_seconds, lr = 0.0, 0, 0, 0.0, config.lr
    start = time.perf_counter()
    bar = tqdm(epoch_batches(task, config.batch_size, order_generator), total=steps,
               desc=f"epoch {epoch + 1}/{config.epochs}", disable=not progress, leave=False)
    streamed = task.train_loader is not None  # tensors were checked once by prepare_task; batches of a loader here
    for i, (xb, yb) in enumerate(bar):
        xb, yb = xb.to(device, dtype), yb.to(device)  # (B, C, H, W), (B,)
        if streamed:
            refuse_non_finite(xb, "x (a training batch)")
        t_mix = time.perf_counter()
        if objective is not None:
            target = None
        elif sampler is None:
            target = soft_labels(yb, task.num_classes, config.label_smoothing).to(dtype)
        else:
            xb, target, _ = mix(xb, yb, sampler, num_classes=task.num_classes, mode=config.mode,
                                pairing=config.pairing, label_smoothing=config.label_smoothing,
                                generator=mix_generator, check_finite=False)  # checked at load or per batch
        mix_seconds += time.perf_counter() - t_mix
        if steps is not None:
            lr = learning_rate(config, epoch * steps + i, config.epochs * steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        if objective is None:
            logits = model(xb)
            loss = training_loss(logits, target)
        else:
            loss = objective(model, xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += float(loss.detach()) * len(yb)
        if objective is None:
            agree += int((predictions(logits.detach()) == target.argmax(1)).sum())
        n += len(yb)
        if i % 20 == 0:
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
    bar.close()
    if n == 0:
        raise ValueError("the training data gave no batch in this epoch")
    return {"train_loss": loss_sum / n, "train_accuracy": agree / n if objective is None else None, "lr": lr,
            "train_seconds": time.perf_counter() - start, "mix_seconds": mix_seconds}


__all__ = ["epoch_batches", "evaluate", "evaluate_batches", "evaluate_split", "model_dtype", "task_steps", "learning_rate", "make_optimizer", "predictions", "steps_per_epoch", "train_epoch", "training_loss"]
