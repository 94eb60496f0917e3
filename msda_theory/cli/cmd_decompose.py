"""``msda-theory decompose``: L_msda = L_std + R1 + R2 + R3 + remainder for a model on a data set, as JSON.

For ``--loss bce`` on a multi-class data set the binary task is y < K / 2
(target 1 for the first half of the classes). ``--model`` is a built-in
architecture or a user's ``package.module:function`` (with ``--model-weights
FILE``: a state dict or checkpoint.pt; with ``--checkpoint`` of a run on a
user's model, the run's weights are loaded into it); ``--data`` is a data set
name or a user's ``package.module:name`` (a map-style Dataset or a
zero-argument callable returning one). The model runs in float64.
``--strategy`` is a spec: ``hmix:alpha=2,r=0.25``, or a user's ``module:Class[:KEY=VALUE,...]``.
"""
from __future__ import annotations

import argparse

import torch

from msda_theory import masks, models
from msda_theory.bench.allocator import steady_allocator
from msda_theory.cli._common import (
    add_strategy_arguments, data_names, generator_from_seed, output_file, sampler_from_args, write_json,
)
from msda_theory.cli._model_source import checkpoint_model, model_spec, user_data_tensors, user_model
from msda_theory.data import load
from msda_theory.data.user import is_user_data
from msda_theory.experiments.decomposition import binary_labels
from msda_theory.regularizers import DecomposeSettings, decompose
from msda_theory.train.checkpoint import read_checkpoint
from msda_theory.train.origin import build_within_cap
from msda_theory.weights import METHODS as WEIGHT_METHODS

NAME = "decompose"
HELP = "decompose the MSDA loss into L_std + R1 + R2 + R3 + remainder (JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", default="digits",
                        help=f"{data_names()} or a user's package.module:name returning a Dataset (default digits)")
    parser.add_argument("--subset", type=int, default=64, help="use the first N images (default 64)")
    parser.add_argument("--model", default="mlp",
                        help=f"architecture: {', '.join(models.MODELS)} (default mlp), or a user's "
                             "package.module:function (from the current folder too)")
    parser.add_argument("--model-weights", default=None, metavar="FILE",
                        help="state dict or checkpoint.pt to load into a --model package.module:function")
    parser.add_argument("--activation", default="softplus", help="activation of mlp/cnn (default softplus)")
    parser.add_argument("--checkpoint", default=None,
                        help="run folder or checkpoint.pt of a trained model (replaces a built-in --model and "
                             "--activation; a run on a user's model needs its --model package.module:function)")
    parser.add_argument("--loss", default="ce", choices=("ce", "bce", "mse"), help="loss family (default ce)")
    add_strategy_arguments(parser, default="mixup")
    parser.add_argument("--weights", default="mc", choices=WEIGHT_METHODS,
                        help="pixel weights of the moment form, a pair_weights method (default mc)")
    parser.add_argument("--estimator", default="auto", choices=("auto", "moment", "direct"),
                        help="auto (default): the cheaper for this input, direct unless the images are tiny; "
                             "moment: one HVP per pixel per image, its R SEs cover the weights only")
    parser.add_argument("--n-masks", type=int, default=64, help="draws per image (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", required=True, help="output JSON path")


def _model(args: argparse.Namespace, in_shape: tuple[int, int, int], k: int) -> torch.nn.Module:
    """The checkpoint's model (checked against the data's image shape and outputs) or a fresh one, float64."""
    spec = model_spec(args.model)
    if args.model_weights is not None and (spec is None or args.checkpoint is not None):
        raise ValueError("--model-weights goes with --model package.module:function (without --checkpoint, "
                         "whose weights are used)")
    if args.checkpoint is None:
        if spec is not None:
            return user_model(spec, args.model_weights).double()
        if args.model not in models.MODELS:
            raise ValueError(f"--model must be one of {', '.join(models.MODELS)} or package.module:function, "
                             f"got {args.model!r}")
        return build_within_cap(args.model, in_shape, k, args.activation).double().eval()
    state = read_checkpoint(args.checkpoint)
    model, _ = checkpoint_model(state, str(args.checkpoint), spec)
    task = state["task"]
    if tuple(task["in_shape"]) != in_shape or int(task["outputs"]) != k:
        raise ValueError(f"checkpoint {args.checkpoint} takes images {tuple(task['in_shape'])} with "
                         f"{task['outputs']} outputs, but --data {args.data} with --loss {args.loss} needs "
                         f"{in_shape} with {k}")
    return model.double().eval()


def _data(name: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """(x, y, K) of --data: a data set's train split or a user's Dataset."""
    if is_user_data(name):
        return user_data_tensors(name)
    data = load(name)
    return data.x, data.y, data.num_classes


def run(args: argparse.Namespace) -> int:
    if args.subset < 2:
        raise ValueError(f"--subset must be at least 2, got {args.subset}")
    sampler = sampler_from_args(args)  # before the data: a bad spec or a user's class fails first
    output_file(args.json)
    steady_allocator()  # the streamed chunks reuse their buffers instead of page-faulting on fresh ones
    torch.manual_seed(args.seed)
    x, y, num_classes = _data(args.data)
    x, y = x[: args.subset].double(), y[: args.subset]
    if args.loss == "bce":
        y, k = binary_labels(y, num_classes).double(), 1
    else:
        k = num_classes
    model = _model(args, tuple(x.shape[1:]), k)
    settings = DecomposeSettings(estimator=args.estimator, weights=args.weights, n_masks=args.n_masks)
    result = decompose(model, x, y, sampler, loss=args.loss, settings=settings, progress=not args.quiet,
                       generator=generator_from_seed(args.seed))
    payload = result.as_dict()
    payload["config"].update(data=args.data, subset=args.subset, model=args.model, seed=args.seed,
                             strategy=masks.spec_of(sampler),
                             binary_task="y < K/2" if args.loss == "bce" else None)
    write_json(args.json, payload)
    print(result.summary())  # the terms with their SEs, what the SEs cover and the notes
    print(f"wrote {args.json}")
    return 0
