"""Arguments shared by several subcommands: the strategy spec (and its shorthands), sizes, seeds."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import torch

from msda_theory import masks
from msda_theory.io import check_output_path
from msda_theory.io import write_json_atomic as write_json  # noqa: F401 (re-exported for the subcommands)


def strategy_help() -> str:
    """The --strategy help, read from the registry when the parser is built."""
    takes = "; ".join(f"{name} takes {', '.join(masks.spec.parameter_types(cls))}" for name, cls in masks.FAMILIES.items())
    return (f"mask law spec {masks.spec.GRAMMAR}, e.g. hmix:alpha=2,r=0.25; NAME one of "
            f"{', '.join(masks.strategies())} ({takes}); a user's module:Class is imported from the current folder")


def data_names() -> str:
    """The named data sets of the registry and the npz form, for help strings (read when the parser is built)."""
    from msda_theory.data import DATASETS
    from msda_theory.data.registry import NPZ_PREFIX

    return f"{', '.join(DATASETS)}, {NPZ_PREFIX}PATH"


def shorthand_parameters() -> list[str]:
    """Every parameter some registered family takes, in registration order (the --KEY VALUE shorthands)."""
    names = [k for cls in masks.FAMILIES.values() for k in masks.spec.parameter_types(cls)]
    return list(dict.fromkeys(names))


def add_strategy_arguments(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """--strategy SPEC, and one shorthand --KEY VALUE per registered family parameter (--alpha, --r, --decay-power).

    ``default=argparse.SUPPRESS`` leaves --strategy out of the namespace when absent (``TrainConfig``'s default).
    """
    parser.add_argument("--strategy", default=default, required=default is None, help=strategy_help())
    for key in shorthand_parameters():
        owners = ", ".join(name for name, cls in masks.FAMILIES.items() if key in masks.spec.parameter_types(cls))
        parser.add_argument("--" + key.replace("_", "-"), dest=f"strategy_{key}", type=masks.spec.parse_value,
                            default=argparse.SUPPRESS, metavar=key.upper(),
                            help=f"shorthand for {key}=VALUE in the --strategy spec (taken by {owners})")


def strategy_spec_from_args(args: argparse.Namespace, strategy: str | None = None) -> str:
    """The --strategy spec (or ``strategy``) with the shorthand --KEY VALUE options written into it.

    'mixup' with --r 0.3 gives 'mixup:r=0.3', which the family then refuses (mixup takes alpha; got r).
    """
    text = strategy if strategy is not None else getattr(args, "strategy", "none")
    given = {k[len("strategy_"):]: v for k, v in vars(args).items() if k.startswith("strategy_")}
    if not given:
        return text
    name, params = masks.parse_spec(text)
    twice = [k for k in given if k in params]
    if twice:
        raise ValueError(f"--{twice[0].replace('_', '-')} repeats {twice[0]}={params[twice[0]]} of --strategy {text}")
    return masks.format_spec(name, {**params, **given})


def sampler_from_args(args: argparse.Namespace, strategy: str | None = None) -> Any:
    """The mask law of --strategy (or ``strategy``) and its shorthands, validated by its class; not 'none'."""
    sampler = masks.from_spec(strategy_spec_from_args(args, strategy))
    if sampler is None:
        raise ValueError(f"--strategy none draws no masks; choose a mask law: {', '.join(masks.FAMILIES)}, "
                         "or module:Class")
    return sampler


def parse_size(text: str) -> tuple[int, int]:
    """'32x32' or '8x12' -> (H, W)."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts) or min(int(p) for p in parts) <= 0:
        raise ValueError(f"size must look like HxW with positive integers (e.g. 32x32), got {text!r}")
    return int(parts[0]), int(parts[1])


def generator_from_seed(seed: int) -> torch.Generator:
    """Entry points seed; library code only takes generators (style point 3)."""
    return torch.Generator().manual_seed(int(seed))


def output_file(text: str, flag: str = "--json") -> Path:
    """The output file named by ``flag``, checked writable before any work (see io.check_output_path)."""
    return check_output_path(text, flag=flag)


def output_folder(text: str, flag: str = "--out") -> Path:
    """The output folder named by ``flag``, checked writable before any work."""
    return check_output_path(text, flag=flag, folder=True)


def selection(text: str | None, flag: str) -> list[str] | None:
    """'a, b' -> ['a', 'b']; None (option absent) stays None; an empty selection is an error."""
    if text is None:
        return None
    items = [part.strip() for part in text.split(",") if part.strip()]
    if not items:
        raise ValueError(f"{flag} must name at least one item, got {text!r}")
    return items
