"""``msda-theory check``: run every registered claim check and write paper_checks.md.

``--quick`` (default) runs the quick preset (≤ 10 min on 2 cores; training-based rows are smoke tests),
``--full`` the evidence preset (README: measured wall time). Experiments go through the results store
(``--results``, default results/): a stored result whose config hash matches is reused, so an
interrupted ``--full`` resumes where it stopped; ``--rerun`` recomputes everything.
"""
from __future__ import annotations

import argparse
from pathlib import Path

NAME = "check"
HELP = "run the paper checks (docs/theory.md section 9) and write the claims ledger paper_checks.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", default=True, help="quick preset, ≤ 10 min on 2 cores (default)")
    mode.add_argument("--full", action="store_true", help="the evidence preset (see README for the expected runtime)")
    mode.add_argument("--preset", default=None, choices=("tiny", "quick", "evidence"), help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None,
                        help="where to write the ledger (default: paper_checks.md for --full, paper_checks_quick.md "
                             "otherwise, so a smoke run never replaces the evidence ledger)")
    parser.add_argument("--only", default=None, help="comma-separated claim ids, e.g. 1a,3")
    parser.add_argument("--seed", type=int, default=0, help="base seed of every check")
    parser.add_argument("--figures-dir", default="figures", help="folder for any artefacts a check writes")
    parser.add_argument("--results", default="results", help="results store folder (default results/)")
    parser.add_argument("--rerun", action="store_true", help="recompute every stored result")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the trained models (default 1)")


def context(args: argparse.Namespace) -> object:
    """The CheckContext of the parsed options."""
    from msda_theory.checks.registry import CheckContext
    from msda_theory.results import ResultStore

    preset = args.preset or ("evidence" if args.full else "quick")
    return CheckContext(preset=preset, seed=args.seed, out_dir=Path(args.figures_dir),
                        store=ResultStore(args.results), rerun=args.rerun, jobs=getattr(args, "jobs", 1))


def default_ledger(args: argparse.Namespace) -> str:
    """paper_checks.md for the evidence preset (the committed ledger), paper_checks_quick.md for the others."""
    preset = args.preset or ("evidence" if args.full else "quick")
    return "paper_checks.md" if preset == "evidence" else "paper_checks_quick.md"


def run(args: argparse.Namespace) -> int:
    from msda_theory.checks.ledger import run_checks, select, write_ledger
    from msda_theory.cli._common import output_file, output_folder, selection

    if args.jobs < 1:
        raise ValueError(f"--jobs must be a positive integer, got {args.jobs}")
    args.out = args.out if args.out is not None else default_ledger(args)
    output_file(args.out, "--out")
    output_folder(args.figures_dir, "--figures-dir")
    output_folder(args.results, "--results")
    ctx = context(args)
    outcomes = run_checks(select(selection(args.only, "--only")), ctx, progress=not args.quiet)
    path = write_ledger(outcomes, ctx, args.out)
    for o in outcomes:
        verdict = o.measurement.verdict if o.measurement else f"CRASHED ({o.error})"
        print(f"claim {o.check.id:>3}: {verdict:<12} {o.seconds:6.1f} s")
    print(f"wrote {path}")
    return 1 if any(o.measurement is None for o in outcomes) else 0
