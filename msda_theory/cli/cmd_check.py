"""``msda-theory check``: run every registered claim check and write paper_checks.md."""
from __future__ import annotations

import argparse

NAME = "check"
HELP = "run the paper checks (theory.md section 9) and write the claims ledger paper_checks.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", default=True, help="small sizes, ≤ 10 min on 2 cores (default)")
    mode.add_argument("--full", action="store_true", help="full sizes (see README for the expected runtime)")
    parser.add_argument("--out", default="paper_checks.md", help="where to write the ledger (default paper_checks.md)")
    parser.add_argument("--only", default=None, help="comma-separated claim ids, e.g. 1,3")
    parser.add_argument("--seed", type=int, default=0, help="base seed of every check")
    parser.add_argument("--figures-dir", default="figures", help="folder for any artefacts a check writes")


def run(args: argparse.Namespace) -> int:
    from msda_theory.checks.ledger import run_checks, select, write_ledger
    from msda_theory.checks.registry import CheckContext
    from msda_theory.cli._common import output_file, output_folder, selection

    output_file(args.out, "--out")
    figures_dir = output_folder(args.figures_dir, "--figures-dir")
    ctx = CheckContext(quick=not args.full, seed=args.seed, out_dir=figures_dir)
    checks = select(selection(args.only, "--only"))
    outcomes = run_checks(checks, ctx)
    path = write_ledger(outcomes, ctx, args.out)
    for o in outcomes:
        verdict = o.measurement.verdict if o.measurement else f"CRASHED ({o.error})"
        print(f"claim {o.check.id:>3}: {verdict:<12} {o.seconds:6.1f} s")
    print(f"wrote {path}")
    return 1 if any(o.measurement is None for o in outcomes) else 0
