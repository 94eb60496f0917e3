"""``msda-theory reproduce``: the main job: the checks (through the results store), then every figure
from the stored results, then a summary. Exits 0 on a machine without Fashion-MNIST (those rows read
"skipped")."""
from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any, Sequence

NAME = "reproduce"
HELP = "run the quick paper checks and regenerate the figures from the stored results (the README's main job)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--figures-dir", default=None,
                        help="figure folder (default figures/ for --full, figures/quick/ otherwise)")
    parser.add_argument("--ledger", default=None,
                        help="ledger path (default paper_checks.md for --full, paper_checks_quick.md otherwise)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", default=True, help="the quick preset (default)")
    mode.add_argument("--full", action="store_true", help="the evidence preset (see README for the runtime)")
    mode.add_argument("--preset", default=None, choices=("tiny", "quick", "evidence"), help=argparse.SUPPRESS)
    parser.add_argument("--results", default="results", help="results store folder (default results/)")
    parser.add_argument("--rerun", action="store_true", help="recompute every stored result")
    parser.add_argument("--seed", type=int, default=0)


ATTENTION = ("fails", "inconclusive", "inconclusive (not converged)", "crashed", "skipped")


def closing_lines(outcomes: Sequence[Any], results: Path, preset: str) -> list[str]:
    """The summary's last lines: each row that fails, is inconclusive, crashed or was skipped, with its one-line
    measurement, then where the results cache of this preset lives."""
    lines = []
    for o in outcomes:
        m = o.measurement
        verdict = m.verdict if m else "crashed"
        if verdict in ATTENTION:
            text = o.error if m is None else (m.summary or m.value)
            said = text.startswith(f"{verdict}:")  # a skipped row's text opens with 'skipped:'
            lines.append(f"  claim {o.check.id} {text}" if said else f"  claim {o.check.id} {verdict}: {text}")
    if lines:
        lines.insert(0, "rows to read (see the ledger's section of each):")
    lines.append(f"cache: {results}/<experiment>/{preset}/ (stored results reused by the next run; --rerun "
                 "recomputes them; delete the folder to free the space)")
    return lines


def run(args: argparse.Namespace) -> int:
    from msda_theory.checks.ledger import run_checks, select, write_ledger
    from msda_theory.cli.cmd_check import context, default_ledger
    from msda_theory.cli.cmd_figures import render_figures
    from msda_theory.cli._common import output_file, output_folder
    from msda_theory.data import available

    evidence = (args.preset or ("evidence" if args.full else "quick")) == "evidence"
    args.ledger = args.ledger if args.ledger is not None else default_ledger(args)
    args.figures_dir = args.figures_dir if args.figures_dir is not None else ("figures" if evidence else "figures/quick")
    output_folder(args.figures_dir, "--figures-dir")
    output_file(args.ledger, "--ledger")
    output_folder(args.results, "--results")
    start = time.perf_counter()
    fmnist = available("fashion-mnist")
    print(f"data: digits (embedded){' and Fashion-MNIST' if fmnist else '; Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)'}")
    ctx = context(args)
    outcomes = run_checks(select(None), ctx, progress=not args.quiet)
    ledger = write_ledger(outcomes, ctx, args.ledger)
    figures = render_figures(Path(args.figures_dir), only=None, preset=ctx.preset, seed=args.seed,
                             results=Path(args.results), progress=not args.quiet)
    verdicts = [o.measurement.verdict if o.measurement else "crashed" for o in outcomes]
    failed_figures = [name for name, r in figures if isinstance(r, str)]
    print(f"\nfigures: {len(figures) - len(failed_figures)} written to {args.figures_dir}/"
          + (f", {len(failed_figures)} failed: {', '.join(failed_figures)}" if failed_figures else ""))
    print("claims: " + ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts)) + f" -> {ledger}")
    for line in closing_lines(outcomes, Path(args.results), ctx.preset):
        print(line)
    print(f"total time: {time.perf_counter() - start:.0f} s")
    return 1 if failed_figures or "crashed" in verdicts else 0
