"""``msda-theory decompose``: L_msda = L_std + R1 + R2 + R3 + remainder for a model on a data set, as JSON.

For ``--loss bce`` on a multi-class data set the binary task is y < K / 2
(target 1 for the first half of the classes). ``--model`` is a built-in
architecture or a user's ``package.module:function`` (with ``--model-weights
FILE``: a state dict or checkpoint.pt); the model runs in float64.
"""
from __future__ import annotations

import argparse

import torch

from msda_theory import models
from msda_theory.bench.allocator import steady_allocator
from msda_theory.cli._common import (
    add_strategy_arguments, generator_from_seed, output_file, sampler_from_args, write_json,
)
from msda_theory.cli._model_source import user_model
from msda_theory.data import load
from msda_theory.regularizers import decompose
from msda_theory.regularizers.experiments import binary_labels
from msda_theory.train.checkpoint import model_from_state, read_checkpoint

BUILT_IN = ("linear", "mlp", "cnn")
NAME = "decompose"
HELP = "decompose the MSDA loss into L_std + R1 + R2 + R3 + remainder (JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default="digits", help="digits, fashion-mnist or npz:PATH (default digits)")
    parser.add_argument("--subset", type=int, default=64, help="use the first N images (default 64)")
    parser.add_argument("--model", default="mlp",
                        help="architecture: linear, mlp, cnn (default mlp), or a user's package.module:function")
    parser.add_argument("--model-weights", default=None, metavar="FILE",
                        help="state dict or checkpoint.pt to load into a --model package.module:function")
    parser.add_argument("--activation", default="softplus", help="activation of mlp/cnn (default softplus)")
    parser.add_argument("--checkpoint", default=None,
                        help="run folder or checkpoint.pt of a trained model (replaces --model and --activation)")
    parser.add_argument("--loss", default="ce", choices=("ce", "bce", "mse"), help="loss family (default ce)")
    add_strategy_arguments(parser, default="mixup")
    parser.add_argument("--weights", default="mc", choices=("exact", "mc"), help="pixel weights (default mc)")
    parser.add_argument("--estimator", default="moment", choices=("moment", "direct"), help="default moment")
    parser.add_argument("--n-masks", type=int, default=64, help="draws per image (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", required=True, help="output JSON path")


def _model(args: argparse.Namespace, in_shape: tuple[int, int, int], k: int) -> torch.nn.Module:
    """The checkpoint's model (checked against the data's image shape and outputs) or a fresh one, float64."""
    if args.model_weights is not None and ":" not in args.model:
        raise ValueError("--model-weights goes with --model package.module:function")
    if args.checkpoint is None:
        if ":" in args.model:
            return user_model(args.model, args.model_weights).double()
        if args.model not in BUILT_IN:
            raise ValueError(f"--model must be one of {', '.join(BUILT_IN)} or package.module:function, "
                             f"got {args.model!r}")
        return models.build(args.model, in_shape, k, activation=args.activation).double().eval()
    state = read_checkpoint(args.checkpoint)
    into = user_model(args.model, None) if ":" in args.model else None  # a user's (custom:) model of the run
    model, _ = model_from_state(state, str(args.checkpoint), model=into)
    task = state["task"]
    if tuple(task["in_shape"]) != in_shape or int(task["outputs"]) != k:
        raise ValueError(f"checkpoint {args.checkpoint} takes images {tuple(task['in_shape'])} with "
                         f"{task['outputs']} outputs, but --data {args.data} with --loss {args.loss} needs "
                         f"{in_shape} with {k}")
    return model.double().eval()


def run(args: argparse.Namespace) -> int:
    if args.subset < 2:
        raise ValueError(f"--subset must be at least 2, got {args.subset}")
    output_file(args.json)
    steady_allocator()  # the streamed chunks reuse their buffers instead of page-faulting on fresh ones
    torch.manual_seed(args.seed)
    data = load(args.data)
    x, y = data.x[: args.subset].double(), data.y[: args.subset]
    if args.loss == "bce":
        y, k = binary_labels(y, data.num_classes).double(), 1
    else:
        k = data.num_classes
    model = _model(args, tuple(x.shape[1:]), k)
    result = decompose(model, x, y, sampler_from_args(args), loss=args.loss, weights=args.weights,
                       estimator=args.estimator, n_masks=args.n_masks, progress=not args.quiet,
                       generator=generator_from_seed(args.seed))
    payload = result.as_dict()
    payload["config"].update(data=args.data, subset=args.subset, model=args.model, seed=args.seed,
                             binary_task="y < K/2" if args.loss == "bce" else None)
    write_json(args.json, payload)
    return 0
