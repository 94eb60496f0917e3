"""``msda-theory reproduce``: the main job: every figure plus the quick checks, then a summary."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

NAME = "reproduce"
HELP = "regenerate the figures and run the quick paper checks on the embedded data (the README's main job)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--figures-dir", default="figures", help="figure folder (default figures/)")
    parser.add_argument("--ledger", default="paper_checks.md", help="ledger path (default paper_checks.md)")
    parser.add_argument("--full", action="store_true", help="full-size figures and checks (hours on 2 cores)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace) -> int:
    from msda_theory.checks.ledger import run_checks, select, write_ledger
    from msda_theory.checks.registry import CheckContext
    from msda_theory.cli.cmd_figures import render_figures
    from msda_theory.cli._common import output_file, output_folder
    from msda_theory.data import available

    output_folder(args.figures_dir, "--figures-dir")
    output_file(args.ledger, "--ledger")
    start = time.perf_counter()
    fmnist = available("fashion-mnist")
    print(f"data: digits (embedded){' and Fashion-MNIST' if fmnist else '; Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)'}")
    # Checks first: the probe figures then read the checks' cached results instead of retraining and re-attacking.
    ctx = CheckContext(quick=not args.full, seed=args.seed, out_dir=Path(args.figures_dir))
    outcomes = run_checks(select(None), ctx)
    ledger = write_ledger(outcomes, ctx, args.ledger)
    figures = render_figures(Path(args.figures_dir), only=None, quick=not args.full, seed=args.seed)
    verdicts = [o.measurement.verdict if o.measurement else "crashed" for o in outcomes]
    failed_figures = [name for name, r in figures if isinstance(r, str)]
    print(f"\nfigures: {len(figures) - len(failed_figures)} written to {args.figures_dir}/"
          + (f", {len(failed_figures)} failed: {', '.join(failed_figures)}" if failed_figures else ""))
    print(f"claims: {verdicts.count('holds')} hold, {verdicts.count('fails')} fail, "
          f"{verdicts.count('inconclusive')} inconclusive, {verdicts.count('crashed')} crashed -> {ledger}")
    print(f"total time: {time.perf_counter() - start:.0f} s")
    return 1 if failed_figures or "crashed" in verdicts else 0
