"""Cost of PGD-10 evaluation as a ratio to its floor, 11 forward-backward passes over the same images.

The benchmark itself is ``msda_theory.bench.scale.pgd_case`` (also the pgd section of
``msda-theory bench --suite``); this script runs it alone, in one thread, and prints its JSON.

    python benchmarks/bench_pgd.py [--n 1000] [--batch-size 500]
"""
from __future__ import annotations

import argparse
import json

import torch

from msda_theory.bench.scale import pgd_case


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(json.dumps(pgd_case(args.n, args.batch_size), indent=2))


if __name__ == "__main__":
    main()
