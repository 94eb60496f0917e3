"""``msda-theory train``: train one model with one mixing strategy, checkpointing every epoch.

    msda-theory train --data fashion-mnist --model cnn --strategy hmix:alpha=1,r=0.5 \\
        --epochs 5 --seed 0 --out runs/hmix0 [--resume] [--device cuda]

Every ``TrainConfig`` field is an option (``--batch-size``, ``--label-smoothing``,
``--classes 0,6 --binary``, ...), built from the dataclass so the two never
drift apart. ``--strategy`` takes a spec (``masks.spec``): a registered name with
its parameters, or a user's ``module:Class[:KEY=VALUE,...]`` importable from the
current folder; ``--alpha``, ``--r``, ... are shorthands written into the spec,
refused by a family that does not take them. Writes ``OUT/checkpoint.pt`` (with ``checkpoint.sha256``) and
``OUT/metrics.json`` after every epoch (atomically), holding a lock on OUT for
the whole run; ``--resume`` continues a killed run from its last epoch (same
config and data, verified), ``--overwrite`` replaces a run already in OUT.

``--model package.module:function`` trains a user's model factory and
``--data package.module:name`` a user's map-style Dataset (or a zero-argument
callable returning one; no test split, so no test metrics), both imported from
the text typed, the current folder searched too; the config records
``factory:package.module:function`` and ``custom:<Dataset class>``.
"""
from __future__ import annotations

import argparse
from dataclasses import MISSING, fields
from typing import Any, Callable, Sequence

import torch

from msda_theory.cli._common import add_strategy_arguments, output_folder, strategy_spec_from_args
from msda_theory.cli._model_source import factory_for_fit, model_spec
from msda_theory.data.user import is_user_data, user_dataset
from msda_theory.train import TrainConfig, fit
from msda_theory.train.config import FACTORY
from msda_theory.train.fit import RunExistsError

NAME = "train"
HELP = "train a model with a mixing strategy spec (e.g. hmix:alpha=2,r=0.25); checkpoint every epoch"


def int_list(text: str) -> tuple[int, ...]:
    """'0,6' -> (0, 6)."""
    return tuple(int(part) for part in text.split(",") if part.strip())


def str_list(text: str) -> list[str]:
    """'none,mixup' -> ['none', 'mixup']."""
    return [part.strip() for part in text.split(",") if part.strip()]


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str, "str | None": str, "int": int, "int | None": int, "float": float,
    "tuple[int, ...] | None": int_list,
}


def add_config_arguments(parser: argparse.ArgumentParser, *, skip: Sequence[str] = ()) -> None:
    """One ``--field-name`` option per ``TrainConfig`` field (except ``skip``); absent options keep the defaults."""
    for f in fields(TrainConfig):
        if f.name in skip:
            continue
        if f.name == "strategy":  # the spec, its help and shorthands read from the registry
            add_strategy_arguments(parser, default=argparse.SUPPRESS)
            continue
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not MISSING else None
        text = f"{f.metadata.get('help', '')} (default {default})"
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", default=argparse.SUPPRESS, help=text)
        else:
            parser.add_argument(flag, type=_PARSERS[str(f.type)], default=argparse.SUPPRESS, help=text,
                                metavar=f.name.upper())


def config_from_args(args: argparse.Namespace, **overrides: Any) -> TrainConfig:
    """The ``TrainConfig`` of the options given on the command line (plus ``overrides``)."""
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if hasattr(args, f.name)}
    if "strategy" not in overrides:
        given["strategy"] = strategy_spec_from_args(args, given.get("strategy", TrainConfig.strategy))
    return TrainConfig(**{**given, **overrides})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """All TrainConfig fields, plus --out DIR, --resume, --overwrite, --no-progress and --threads."""
    add_config_arguments(parser)
    mention_user_objects(parser)
    parser.add_argument("--out", required=True, help="run folder for checkpoint.pt and metrics.json")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt if present")
    mode.add_argument("--overwrite", action="store_true", help="replace a run already in OUT")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    add_threads_argument(parser)


def mention_user_objects(parser: argparse.ArgumentParser) -> None:
    """Say in --model's and --data's help that a user's package.module:name is taken (the config's help cannot)."""
    extra = {"model": "; or a user's package.module:function (the current folder is searched)",
             "data": "; or a user's package.module:name giving a map-style Dataset (no test split)"}
    for action in parser._actions:  # noqa: SLF001 (argparse keeps no public list of the options)
        if action.dest in extra and action.help:
            action.help = action.help.replace(" (default", extra[action.dest] + " (default", 1)


def add_threads_argument(parser: argparse.ArgumentParser) -> None:
    """--threads N: torch intra-op threads of this process (set by the entry point, never by the library)."""
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice); 1 is much faster on a busy machine")


def apply_threads(threads: int | None) -> None:
    """``torch.set_num_threads(threads)`` when given (an entry point's global setting)."""
    if threads is not None:
        if threads < 1:
            raise ValueError(f"--threads must be a positive integer, got {threads}")
        torch.set_num_threads(threads)


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def user_objects(args: argparse.Namespace) -> dict[str, Any]:
    """``fit``'s keyword arguments for a user's --model package.module:function and --data package.module:name."""
    given: dict[str, Any] = {}
    spec = model_spec(getattr(args, "model", None))
    if spec is not None:
        given["model"] = factory_for_fit(spec)
    if is_user_data(getattr(args, "data", None)):
        given["train_data"] = user_dataset(args.data, "--data")
    return given


def run(args: argparse.Namespace) -> int:
    """Train, print one line per epoch, return 0."""
    spec = model_spec(getattr(args, "model", None))
    config = config_from_args(args, **({"model": FACTORY + spec} if spec is not None else {}))
    config.sampler()  # a user's module:Class is imported (and checked) before any folder is made
    out = output_folder(args.out)
    apply_threads(args.threads)
    try:
        result = fit(config, out, resume=args.resume, overwrite=args.overwrite,
                     progress=not (args.no_progress or args.quiet), **user_objects(args))
    except RunExistsError as err:
        raise ValueError(f"run folder {err.folder} already holds a run ({', '.join(err.held)}); use --resume to "
                         "continue it or --overwrite to replace it") from None
    for r in result.metrics["epochs"]:
        print(f"epoch {r['epoch']}: train loss {r['train_loss']:.4f}, test loss {_fmt(r['test_loss'])}, "
              f"test accuracy {_fmt(r['test_accuracy'])} ({r['seconds']:.1f} s)")
    print(f"wrote {args.out}/checkpoint.pt and {args.out}/metrics.json")
    return 0
