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
                        help="with --suite all: start from a saved suite JSON (alone: run nothing, e.g. to rewrite "
                             "--readme from it; with --sections: rerun those sections and keep the others)")
    parser.add_argument("--sections", default=None, metavar="NAMES",
                        help="with --suite all: run only these comma-separated sections (mix, fmix, pgd, decompose, "
                             "weights, epoch, fit)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from msda_theory.bench.mix_cost import SHAPES, format_table, run_benchmark
    from msda_theory.cli._common import output_file, write_json

    if args.json is not None:
        output_file(args.json)
    if args.readme is not None:
        output_file(args.readme, "--readme")
    if args.readme and args.suite != "all":
        raise ValueError("--readme needs --suite all")
    if (args.from_json is not None or args.sections is not None) and args.suite != "all":
        raise ValueError("--from-json and --sections go with --suite all")
    if args.suite == "all":
        from msda_theory.bench.suite import SECTIONS, check_sections, format_suite, read_suite, run_suite, write_readme

        sections = SECTIONS if args.sections is None else check_sections(args.sections.split(","))
        base = None if args.from_json is None else read_suite(args.from_json)
        if base is not None and args.sections is None:  # nothing to run: rewrite the outputs from the saved result
            if args.readme is None and args.json is None:
                raise ValueError("--from-json alone runs nothing: add --readme README, --json FILE or --sections")
            result = base
        else:
            result = run_suite(quick=args.quick, repeats=args.repeats, seed=args.seed, progress=not args.quiet,
                               sections=sections, base=base)
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
