"""``msda-theory check``: run every registered claim check and write paper_checks.md.

``--quick`` (default) runs the quick preset (≤ 10 min on 2 cores; training-based rows are smoke tests),
``--full`` the evidence preset (README: measured wall time). Experiments go through the results store
(``--results``, default results/): a stored result that verifies and was stored by the same code
(code fingerprint) is reused, so an interrupted ``--full`` resumes where it stopped; an invalid,
mismatched or stale one is recomputed; ``--rerun`` recomputes everything. ``--no-recompute`` computes
nothing: stale results (of other code) are used and labelled in the ledger, a missing or invalid one
makes its row "no result" naming the file and the command exit with status 2. ``--reuse-stale`` uses
stale results the same way but computes (and stores) the missing ones: the stored evidence judged by
the current rules. ``--only`` replaces its rows in an existing ledger and keeps the others.
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
    parser.add_argument("--no-recompute", action="store_true",
                        help="compute nothing: use stored results as they are (those of other code labelled stale); "
                             "a missing or invalid one is an error row and exit status 2")
    parser.add_argument("--reuse-stale", action="store_true",
                        help="use stored results of other code as they are (labelled stale) and compute only the "
                             "missing or invalid ones")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for the trained models (default 1)")


def context(args: argparse.Namespace) -> object:
    """The CheckContext of the parsed options."""
    from msda_theory.checks.registry import CheckContext
    from msda_theory.results import ResultStore

    preset = args.preset or ("evidence" if args.full else "quick")
    frozen = getattr(args, "no_recompute", False)
    store = ResultStore(args.results, reuse_stale=frozen or getattr(args, "reuse_stale", False), recompute=not frozen)
    return CheckContext(preset=preset, seed=args.seed, out_dir=Path(args.figures_dir),
                        store=store, rerun=args.rerun, jobs=getattr(args, "jobs", 1))


def default_ledger(args: argparse.Namespace) -> str:
    """paper_checks.md for the evidence preset (the committed ledger), paper_checks_quick.md for the others."""
    preset = args.preset or ("evidence" if args.full else "quick")
    return "paper_checks.md" if preset == "evidence" else "paper_checks_quick.md"


def run(args: argparse.Namespace) -> int:
    from msda_theory.checks.ledger import read_ledger, run_checks, select, write_ledger
    from msda_theory.cli._common import output_file, output_folder, selection

    if args.jobs < 1:
        raise ValueError(f"--jobs must be a positive integer, got {args.jobs}")
    chosen = [flag for flag, on in (("--rerun", args.rerun), ("--no-recompute", args.no_recompute),
                                    ("--reuse-stale", args.reuse_stale)) if on]
    if len(chosen) > 1:
        raise ValueError(f"{' and '.join(chosen)} contradict each other: pass one")
    args.out = args.out if args.out is not None else default_ledger(args)
    output_file(args.out, "--out")
    output_folder(args.figures_dir, "--figures-dir")
    output_folder(args.results, "--results")
    ctx = context(args)
    checks = select(selection(args.only, "--only"))
    if args.only and Path(args.out).is_file():
        read_ledger(Path(args.out), ctx)  # refuse a file that is not a ledger of this preset before any work
    outcomes = run_checks(checks, ctx, progress=not args.quiet)
    path = write_ledger(outcomes, ctx, args.out, keep_other_rows=bool(args.only))
    for o in outcomes:
        verdict = o.measurement.verdict if o.measurement else ("NO RESULT" if o.unavailable else f"CRASHED ({o.error})")
        print(f"claim {o.check.id:>3}: {verdict:<12} {o.seconds:6.1f} s")
    print(f"wrote {path}")
    missing = [o for o in outcomes if o.unavailable]
    if missing:
        raise ValueError(f"{len(missing)} check(s) lack a usable stored result under --no-recompute (first: "
                         f"{missing[0].error}); the ledger {path} marks them")
    return 1 if any(o.measurement is None for o in outcomes) else 0
