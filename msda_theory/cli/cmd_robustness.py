"""``msda-theory robustness``: accuracy under FGSM or PGD at each eps for a trained run, with 95% CIs.

Evaluates on the test split of the run's data set (the run's class selection
applied), the first N images or a seeded subset; writes a JSON with
``checkpoint``, ``config`` (the run's config), ``attack``, ``norm``, ``eps``,
``accuracy``, ``ci_low``, ``ci_high``, ``n`` and ``sanity`` (theory.md section 9, claim 9).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import torch
from torch import nn

from msda_theory.attacks import ATTACKS, NORMS, PRESETS, Preset, evaluate_robustness, get_preset
from msda_theory.cli._common import generator_from_seed, output_file, write_json
from msda_theory.train.fit import resolve_device

NAME = "robustness"
HELP = "accuracy of a trained run under FGSM or PGD at each eps, with Wilson 95% intervals and sanity checks"
SAMPLES = ("first", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--checkpoint DIR [--preset P] [--attack A] [--norm N] [--eps LIST] [--n N] [--steps K] ... --json OUT."""
    parser.add_argument("--checkpoint", required=True, help="run folder or checkpoint.pt written by training")
    parser.add_argument("--preset", default="standard", choices=tuple(PRESETS),
                        help="named evaluation giving the defaults of attack, eps, steps, restarts, n (default standard)")
    parser.add_argument("--attack", choices=ATTACKS, default=None, help="fgsm or pgd (default: the preset's)")
    parser.add_argument("--norm", choices=NORMS, default="linf", help="threat norm (default linf)")
    parser.add_argument("--eps", default=None, help="comma-separated radii, e.g. 0,0.01,0.02 (default: the preset's)")
    parser.add_argument("--n", type=int, default=None, help="number of test images (default: the preset's, else all)")
    parser.add_argument("--sample", choices=SAMPLES, default="first", help="first N test images or a seeded random subset")
    parser.add_argument("--steps", type=int, default=None, help="PGD steps (default: the preset's)")
    parser.add_argument("--restarts", type=int, default=None, help="PGD restarts (default: the preset's)")
    parser.add_argument("--step-size", type=float, default=None, help="PGD step size (default 2.5 * eps / steps)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the subset and the PGD random starts")
    parser.add_argument("--batch-size", type=int, default=500, help="images per attack batch")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    parser.add_argument("--json", required=True, help="output JSON file")


def parse_eps(text: str) -> list[float]:
    """'0,0.01,0.02' -> [0.0, 0.01, 0.02]."""
    try:
        eps = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"--eps must be comma-separated numbers, got {text!r}") from None
    if not eps:
        raise ValueError(f"--eps must hold at least one radius, got {text!r}")
    return eps


def load_run(checkpoint: str) -> tuple[nn.Module, Any, torch.Tensor, torch.Tensor]:
    """(model, config, x_test (N, C, H, W), y_test (N,)) of a run: its data set's test split, its classes.

    The run's checksum is verified, and its data fingerprint against the data as they are now.
    """
    from msda_theory import data  # late: the data sets are only needed here
    from msda_theory.train.checkpoint import model_from_state, read_checkpoint
    from msda_theory.train.runfolder import verify_run_data

    state = read_checkpoint(checkpoint)
    model, config = model_from_state(state, str(checkpoint))
    verify_run_data(state, config, str(checkpoint))
    test = data.load(config.data, root=config.root, split="test")
    x, y = test.x, test.y
    classes = getattr(config, "classes", None)
    if classes is not None:
        from msda_theory.train.task import select_classes

        x, y = select_classes(x, y, tuple(classes))
    return model, config, x, y


def choose_samples(x: torch.Tensor, y: torch.Tensor, n: int | None, sample: str,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The first n samples, or n drawn without replacement (randperm(N)[:n])."""
    n = len(y) if n is None else n
    if not 1 <= n <= len(y):
        raise ValueError(f"--n must lie in 1..{len(y)} (the test split's size), got {n}")
    if sample == "first":
        return x[:n], y[:n]
    index = torch.randperm(len(y), generator=generator)[:n]
    return x[index], y[index]


def pgd_steps(steps: int | None, preset: Preset) -> int:
    """--steps if given, else the preset's PGD steps, else 10 (an FGSM preset switched to --attack pgd)."""
    if steps is not None:
        return steps
    return preset.steps if preset.attack == "pgd" else 10


def config_dict(config: Any) -> dict[str, Any]:
    """The run's config as a JSON-ready dict."""
    return config.to_dict() if hasattr(config, "to_dict") else dataclasses.asdict(config)


def run(args: argparse.Namespace) -> int:
    """Load the run, attack its test images at each eps, print a table and write the JSON."""
    preset = get_preset(args.preset)
    device = resolve_device(args.device)
    output_file(args.json)
    eps = parse_eps(args.eps) if args.eps is not None else list(preset.eps(args.norm))
    model, config, x, y = load_run(args.checkpoint)
    generator = generator_from_seed(args.seed)
    n = args.n if args.n is not None else (None if preset.n is None else min(preset.n, len(y)))
    x, y = choose_samples(x, y, n, args.sample, generator)
    result = evaluate_robustness(
        model.to(device), x, y, eps, attack=args.attack or preset.attack, norm=args.norm,
        steps=pgd_steps(args.steps, preset),
        step_size=args.step_size, restarts=args.restarts if args.restarts is not None else preset.restarts,
        batch_size=args.batch_size, generator=generator,
    )
    payload = {"checkpoint": str(args.checkpoint), "config": config_dict(config), "preset": preset.name,
               "seed": args.seed, "sample": args.sample, **result}
    write_json(args.json, payload)
    print(f"{payload['attack']} {payload['norm']}, n = {payload['n']}")
    for e, a, lo, hi in zip(result["eps"], result["accuracy"], result["ci_low"], result["ci_high"]):
        print(f"  eps {e:<8.4g} accuracy {a:.4f}  [{lo:.4f}, {hi:.4f}]")
    sanity = result["sanity"]
    for line in sanity["failures"] + sanity["warnings"]:
        print(f"sanity: {line}", file=sys.stderr)
    print(f"sanity {'passed' if sanity['passed'] else 'FAILED'}; wrote {args.json}")
    return 0
