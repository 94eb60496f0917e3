"""The direct estimator of ``decompose`` against its floor, with peak memory (issue 13).

Runs ``msda_theory.bench.scale.decompose_case`` in a one-thread child process: n
Fashion-MNIST images (digits upsampled when absent; uniform 3x32x32 noise for
--model resnet), the package's model with softplus, ``n_masks`` draws per image.
The floor is, per draw, one forward pass for the mixed loss plus one forward-over-forward
second directional derivative, timed on a chunk of the size the estimator uses
(target: the estimator within 1.5x of it; peak RSS within 2 GB).
Usage: python benchmarks/bench_decompose.py [--n 1000] [--masks 32] [--model cnn]
"""
from __future__ import annotations

import argparse
import json

from msda_theory.bench.scale import in_child


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--masks", type=int, default=32)
    parser.add_argument("--model", choices=("cnn", "resnet"), default="cnn")
    args = parser.parse_args()
    print(json.dumps(in_child("decompose", n=args.n, draws=args.masks, model=args.model), indent=2))


if __name__ == "__main__":
    main()
