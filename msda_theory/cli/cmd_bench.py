"""``msda-theory bench``: the cost of ``mix`` per family and mode, as a ratio to one torch.lerp."""
from __future__ import annotations

import argparse

NAME = "bench"
HELP = "time mix() for every family, batch and elem modes, as a ratio to torch.lerp over the same batch"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=21, help="interleaved repeats per case (median; default 21)")
    parser.add_argument("--quick", action="store_true", help="only the 32 px batch (for smoke tests)")
    parser.add_argument("--json", default=None, help="also write the rows as JSON here")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from msda_theory.bench import SHAPES, format_table, run_benchmark
    from msda_theory.cli._common import output_file, write_json

    if args.json is not None:
        output_file(args.json)
    shapes = SHAPES[:1] if args.quick else SHAPES
    result = run_benchmark(shapes, repeats=args.repeats, seed=args.seed)
    print(f"machine: {result['machine']}, torch {result['torch']}, {result['threads']} threads, "
          f"median of {result['repeats']} interleaved repeats")
    print(format_table(result))
    if args.json:
        write_json(args.json, result)
    return 0
