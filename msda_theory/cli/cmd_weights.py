"""``msda-theory weights``: a_p, a_pq and the distance profile of a mask law as JSON (docs/theory.md section 4)."""
from __future__ import annotations

import argparse
import sys

from msda_theory import masks
from msda_theory.cli._common import (
    add_strategy_arguments, generator_from_seed, output_file, parse_size, sampler_from_args, write_json,
)
from msda_theory.weights import DEFAULT_SAMPLES, METRICS, pair_weights, resolve_method
from msda_theory.io import check_allocation
from msda_theory.weights.exact import EXACT_FAMILIES
from msda_theory.weights.result import MAX_MATRIX_PIXELS

NAME = "weights"
CLI_METHODS = ("auto", "exact", "mc")  # the methods whose JSON this command writes (a_p_se with mc)
HELP = "pixel weights a_p and pair weights a_pq of a mask law under D~ (exact or Monte Carlo)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--strategy SPEC [...] --size HxW [--method auto|exact|mc] [--n-masks N] [--seed S] --json OUT."""
    add_strategy_arguments(parser)
    parser.add_argument("--size", required=True, help="image size HxW, e.g. 32x32")
    exact = ", ".join(name for name, cls in masks.FAMILIES.items() if cls in EXACT_FAMILIES)
    parser.add_argument("--method", choices=CLI_METHODS, default="auto",
                        help=f"auto (default: exact where there is a closed form, else mc), exact ({exact}) or mc")
    parser.add_argument("--n-masks", "--samples", dest="samples", type=int, default=DEFAULT_SAMPLES,
                        help=f"masks for mc (default {DEFAULT_SAMPLES}; --samples is its former name)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the mc generator (default 0)")
    parser.add_argument("--metric", choices=METRICS, default="chebyshev", help="distance of the profile")
    parser.add_argument("--json", required=True, help="output JSON path")


def estimated_bytes(size: tuple[int, int]) -> int:
    """Memory of one weights computation, estimated before it starts (bytes).

    8 float64/int64 arrays on the (2H - 1) x (2W - 1) offset grid of the
    distance profile (~ 4 H W entries each), plus a_pq and its SE,
    2 (H W)^2 float64, when H W <= MAX_MATRIX_PIXELS.
    """
    pixels = size[0] * size[1]
    matrix = 2 * 8 * pixels**2 if pixels <= MAX_MATRIX_PIXELS else 0
    return 8 * 8 * 4 * pixels + matrix


def run(args: argparse.Namespace) -> int:
    """Compute the weights and write {strategy, spec, params, size, method, a_p, a_pq?, profile}."""
    size = parse_size(args.size)
    sampler = sampler_from_args(args)
    check_allocation(estimated_bytes(size), f"--size {size[0]}x{size[1]}")
    output_file(args.json)
    method = resolve_method(args.method, sampler)
    result = pair_weights(sampler, size, method=method, n_masks=args.samples,
                          generator=generator_from_seed(args.seed),
                          progress=sys.stderr.isatty() and not args.quiet)
    spec = masks.spec_of(sampler)
    payload = {"strategy": masks.parse_spec(spec)[0], "spec": spec, "params": masks.sampler_params(sampler),
               "size": list(size), "method": method, "a_p": result.a_p.tolist()}
    if method == "mc":
        payload["samples"], payload["seed"] = args.samples, args.seed
        payload["a_p_se"] = result.a_p_se.tolist()
    if size[0] * size[1] <= MAX_MATRIX_PIXELS:
        payload["a_pq"] = result.a_pq.tolist()
        if method == "mc":
            payload["a_pq_se"] = result.a_pq_se.tolist()
    payload["profile"] = result.profile(args.metric).as_dict()
    write_json(args.json, payload)
    return 0
