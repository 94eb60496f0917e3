"""Arguments shared by several subcommands: the strategy and its parameters, sizes, seeds."""
from __future__ import annotations

import argparse

import torch

from msda_theory import masks
from msda_theory.io import write_json_atomic as write_json  # noqa: F401 (re-exported for the subcommands)


def add_strategy_arguments(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """--strategy S [--alpha A] [--r R] [--decay-power P]."""
    parser.add_argument("--strategy", default=default, required=default is None,
                        help=f"mask law: one of {', '.join(masks.FAMILIES)}")
    parser.add_argument("--alpha", type=float, default=1.0, help="Beta(alpha, alpha) parameter (default 1)")
    parser.add_argument("--r", type=float, default=0.5, help="HMix box share r in [0, 1] (default 0.5)")
    parser.add_argument("--decay-power", type=float, default=3.0, help="FMix spectral decay power (default 3)")


def sampler_from_args(args: argparse.Namespace, strategy: str | None = None) -> masks.BetaMaskFamily:
    """The sampler named by --strategy (or ``strategy``) with only the parameters it takes."""
    name = masks.registry.check_family((strategy or args.strategy).lower())
    return masks.from_params(name, alpha=args.alpha, r=args.r, decay_power=args.decay_power)


def parse_size(text: str) -> tuple[int, int]:
    """'32x32' or '8x12' -> (H, W)."""
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts) or min(int(p) for p in parts) <= 0:
        raise ValueError(f"size must look like HxW with positive integers (e.g. 32x32), got {text!r}")
    return int(parts[0]), int(parts[1])


def generator_from_seed(seed: int) -> torch.Generator:
    """Entry points seed; library code only takes generators (style point 3)."""
    return torch.Generator().manual_seed(int(seed))
