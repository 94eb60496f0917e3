"""``msda-theory masks``: the paper's Figure 3 analogue on two real photographs."""
from __future__ import annotations

import argparse

from msda_theory import masks

NAME = "masks"
HELP = "mix two photographs (scikit-learn's samples) by each strategy and save the figure with its masks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strategies", default=",".join(masks.PAPER_FAMILIES), help="comma-separated strategies")
    parser.add_argument("--lam", type=float, default=0.65, help="drawn ratio lambda0 (default 0.65, as in the paper)")
    parser.add_argument("--r", type=float, default=0.5, help="HMix box share (default 0.5)")
    parser.add_argument("--seed", type=int, default=0, help="seed for box and Gaussian centres")
    parser.add_argument("--out", default="figures", help="output folder (default figures/)")


def run(args: argparse.Namespace) -> int:
    import matplotlib

    matplotlib.use("Agg")  # an entry point: draw headless
    import matplotlib.pyplot as plt

    from msda_theory.figures.fig_masks import draw_mask_examples
    from msda_theory.figures.registry import PAPER_STYLE

    from msda_theory.cli._common import output_folder, selection

    names = [name.lower() for name in selection(args.strategies, "--strategies") or []]
    for name in names:
        masks.get(name)  # validates the name with the registry's message
    masks.HMix(r=args.r)
    out = output_folder(args.out)
    with plt.rc_context(PAPER_STYLE):
        paths = draw_mask_examples(out, strategies=names, lam=args.lam, r=args.r, seed=args.seed)
    print(f"wrote {paths[0]}")
    return 0
