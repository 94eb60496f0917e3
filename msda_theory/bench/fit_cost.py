"""``fit`` against a bare training loop doing the same work: cost ratio = fit / bare loop, CPU seconds, one run.

The bare loop is what ``fit`` must do at least: the same model initialisation, Adam, the same
mini-batches (``loop.epoch_batches`` with the order stream), ``mix`` with the same sampler and mask
stream, the same soft-label loss, and a clean evaluation of the test images after every epoch; no
run folder. ``fit`` is given the same tensors in memory (loading a data set is a separate, one-time
cost, reported as ``load_seconds``) and writes its run folder (checkpoint, checksum, metrics) after
every epoch, as it does by default. Because the work is the same, both end with bit-identical
weights (``same_weights``); the rounds are interleaved and timed in process CPU seconds.
"""
from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

from msda_theory.timing import interleaved, timed


def fit_data(n_train: int, n_test: int) -> tuple[SimpleNamespace, SimpleNamespace, str]:
    """The first n_train training and n_test test images of Fashion-MNIST (digits where it is absent)."""
    from msda_theory.data import available, load

    name = "fashion-mnist" if available("fashion-mnist") else "digits"
    train, test = load(name), load(name, split="test")
    return (SimpleNamespace(x=train.x[:n_train].clone(), y=train.y[:n_train].clone(), num_classes=train.num_classes),
            SimpleNamespace(x=test.x[:n_test].clone(), y=test.y[:n_test].clone(), num_classes=test.num_classes), name)


def bare_loop(config: Any, train: SimpleNamespace, test: SimpleNamespace) -> nn.Module:
    """``config.epochs`` epochs of mixed training and a test evaluation after each, with nothing else."""
    from msda_theory.mix import mix
    from msda_theory.train.fit import init_model, stream_seeds
    from msda_theory.train.loop import epoch_batches, evaluate, learning_rate, make_optimizer, training_loss
    from msda_theory.train.task import Task

    task = Task(train.x, train.y, test.x, test.y, train.num_classes, False)
    model = init_model(config, task)
    optimizer, sampler = make_optimizer(config, model), config.sampler()
    _, order_seed, mix_seed = stream_seeds(config.seed)
    order, masks = torch.Generator().manual_seed(order_seed), torch.Generator().manual_seed(mix_seed)
    steps = -(-len(train.y) // config.batch_size)
    for epoch in range(config.epochs):
        model.train()
        for i, (xb, yb) in enumerate(epoch_batches(task, config.batch_size, order)):
            xb, target, _ = mix(xb, yb, sampler, num_classes=task.num_classes, mode=config.mode,
                                pairing=config.pairing, generator=masks)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(config, epoch * steps + i, config.epochs * steps)
            loss = training_loss(model(xb), target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        evaluate(model, test.x, test.y)
    return model


def fit_section(*, epochs: int = 5, n_train: int = 1000, n_test: int = 500, repeats: int = 7,
                strategy: str = "cutmix") -> dict[str, Any]:
    """Median CPU seconds of ``fit`` (with its run folder) and of ``bare_loop`` over interleaved rounds."""
    from msda_theory.train import TrainConfig, fit
    from msda_theory.train.task import prepare_task

    train, test, name = fit_data(n_train, n_test)
    config = TrainConfig(data=name, model="mlp", strategy=strategy, optimizer="adam", lr=1e-3, batch_size=32,
                         epochs=epochs, seed=0)
    with tempfile.TemporaryDirectory(prefix="msda-fit-bench-") as root:
        runs = iter(range(10**9))

        def with_fit() -> nn.Module:
            return fit(config, Path(root) / f"run{next(runs)}", progress=False, train_data=train, test_data=test,
                       keep_config_data=True).model

        same = all(torch.equal(a, b) for a, b in zip(with_fit().state_dict().values(),
                                                      bare_loop(config, train, test).state_dict().values()))
        seconds = interleaved({"bare": lambda: timed(lambda: bare_loop(config, train, test), once=True, cpu=True),
                               "fit": lambda: timed(with_fit, once=True, cpu=True)}, repeats)
    load = timed(lambda: prepare_task(TrainConfig(data=name, subset=n_train, test_subset=n_test)), once=True, cpu=True)
    median = {k: statistics.median(v) for k, v in seconds.items()}
    return {"data": name, "model": "mlp", "strategy": strategy, "optimizer": "adam", "batch_size": 32,
            "epochs": epochs, "n_train": n_train, "n_test": n_test, "repeats": repeats, "seconds": seconds,
            "median_seconds": median, "ratio_to_bare": median["fit"] / median["bare"], "same_weights": same,
            "load_seconds": load, "clock": "process CPU seconds, one thread"}
