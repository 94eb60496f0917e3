"""``msda-theory bench``: the cost of ``mix`` per family and mode against one torch.lerp, or the whole suite."""
from __future__ import annotations

import argparse

NAME = "bench"
HELP = "time mix() against torch.lerp (--suite mix) or every benchmark against its floor (--suite all)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", choices=("mix", "all"), default="mix",
                        help="mix: mix() per family and mode; all: also PGD, decompose, weights, epoch cost")
    parser.add_argument("--repeats", type=int, default=21, help="interleaved repeats per mix case (median; default 21)")
    parser.add_argument("--quick", action="store_true", help="small sizes only (for smoke tests)")
    parser.add_argument("--json", default=None, help="also write the results as JSON here")
    parser.add_argument("--readme", default=None, help="with --suite all: rewrite this README's benchmark table")
    parser.add_argument("--from-json", default=None, metavar="FILE",
                        help="with --suite all and --readme: write the table from a saved suite JSON, running nothing")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from msda_theory.bench.mix_cost import SHAPES, format_table, run_benchmark
    from msda_theory.cli._common import output_file, write_json

    if args.json is not None:
        output_file(args.json)
    if args.readme and args.suite != "all":
        raise ValueError("--readme needs --suite all")
    if args.from_json is not None and (args.readme is None or args.suite != "all"):
        raise ValueError("--from-json goes with --suite all --readme README")
    if args.suite == "all":
        from msda_theory.bench.suite import format_suite, read_suite, run_suite, write_readme

        if args.from_json is not None:
            write_readme(args.readme, read_suite(args.from_json))
            return 0
        result = run_suite(quick=args.quick, repeats=args.repeats, seed=args.seed, progress=not args.quiet)
        print(format_suite(result))
        if args.json:
            write_json(args.json, result)
        if args.readme:
            write_readme(args.readme, result)
        return 0
    shapes = SHAPES[:2] if args.quick else SHAPES
    result = run_benchmark(shapes, repeats=args.repeats, seed=args.seed)
    print(f"machine: {result['machine']}, torch {result['torch']}, {result['threads']} threads, "
          f"median of {result['repeats']} interleaved repeats")
    print(format_table(result))
    if args.json:
        write_json(args.json, result)
    return 0
