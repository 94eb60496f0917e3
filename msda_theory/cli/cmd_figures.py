"""``msda-theory figures``: regenerate every registered figure (PNG, PDF and JSON beside each)."""
from __future__ import annotations

import argparse
from pathlib import Path

NAME = "figures"
HELP = "regenerate every figure into a folder (PNG + PDF + JSON of data and config)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="figures", help="output folder (default figures/)")
    parser.add_argument("--only", default=None, help="comma-separated figure names (see --list)")
    parser.add_argument("--list", action="store_true", help="list the figure names and exit")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds per figure), for smoke tests")
    parser.add_argument("--preset", default=None, choices=("tiny", "quick", "evidence"),
                        help="which stored experiment results to plot (default: tiny with --quick, else evidence)")
    parser.add_argument("--results", default="results", help="results store folder (default results/)")
    parser.add_argument("--reuse-stale", action="store_true",
                        help="plot stored results of other code as they are (a warning names their commit) instead "
                             "of recomputing them; missing ones are computed")
    parser.add_argument("--seed", type=int, default=0)


def render_figures(out: Path, *, only: list[str] | None, preset: str, seed: int, results: Path = Path("results"),
                   progress: bool = True, reuse_stale: bool = False) -> list[tuple[str, list[Path] | str]]:
    """Run the selected figure functions on the stored results of ``preset``; a failing figure is reported,
    the others still run."""
    from tqdm import tqdm

    import matplotlib

    matplotlib.use("Agg")  # an entry point: draw headless
    import matplotlib.pyplot as plt

    from msda_theory.figures.registry import PAPER_STYLE, FigureContext, all_figures
    from msda_theory.results import ResultStore

    figures = all_figures()
    known = [f.name for f in figures]
    if only:
        unknown = sorted(set(only) - set(known))
        if unknown:
            raise ValueError(f"unknown figure(s) {unknown}; known: {known}")
        figures = [f for f in figures if f.name in only]
    ctx = FigureContext(out_dir=out, quick=preset != "evidence", seed=seed, preset=preset, store=ResultStore(results, reuse_stale=reuse_stale))
    results: list[tuple[str, list[Path] | str]] = []
    bar = tqdm(figures, desc="figures", disable=not progress)
    for f in bar:
        bar.set_postfix_str(f.name)
        try:
            with plt.rc_context(PAPER_STYLE):
                results.append((f.name, f.func(ctx)))
        except Exception as err:  # reported and counted; the run goes on
            results.append((f.name, f"{type(err).__name__}: {err}"))
    return results


def run(args: argparse.Namespace) -> int:
    from msda_theory.figures.registry import all_figures

    if args.list:
        for f in all_figures():
            print(f"{f.name:24s} {f.title}")
        return 0
    from msda_theory.cli._common import output_folder, selection

    only = selection(args.only, "--only")
    out = output_folder(args.out)
    output_folder(args.results, "--results")  # a missing result is computed and stored there
    preset = args.preset or ("tiny" if args.quick else "evidence")
    results = render_figures(out, only=only, preset=preset, seed=args.seed, results=Path(args.results),
                             progress=not args.quiet, reuse_stale=args.reuse_stale)
    failed = [(name, r) for name, r in results if isinstance(r, str)]
    for name, r in results:
        print(f"{name:24s} {'FAILED: ' + r if isinstance(r, str) else r[0]}")
    return 1 if failed else 0
