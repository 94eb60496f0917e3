"""``msda-theory robustness``: accuracy under FGSM or PGD at each eps for a trained run, with 95% CIs.

The model is a run (``--checkpoint DIR``) or a user's own (``--model
package.module:function [--model-weights FILE] --data NAME``; with
``--checkpoint`` too, the run's weights are loaded into it: a run on a user's
model needs it, since what a checkpoint names is never imported); ``--data``
may name a user's ``package.module:name`` (a map-style Dataset or a
zero-argument callable returning one), which is attacked whole;
``--preprocessing MEAN,..:STD,..`` normalises the inputs the model sees while
the attack stays in pixel space [0, 1]. Evaluates on the test split of the
data set (a run's class selection applied), the first N images or a seeded
subset, with a progress bar on a terminal (``--quiet``: none); writes a JSON with
``checkpoint``, ``config`` (the run's config), ``attack``, ``norm``, ``eps``,
``accuracy``, ``ci_low``, ``ci_high``, ``n`` and ``sanity`` (docs/theory.md section 9, claim 9).
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Any

import torch
from torch import nn

from msda_theory.attacks import ATTACKS, NORMS, PRESETS, AttackSettings, Preset, evaluate_robustness, get_preset
from msda_theory.cli._common import data_names, generator_from_seed, output_file, write_json
from msda_theory.cli._model_source import (
    checkpoint_model, model_spec, parse_preprocessing, user_data_tensors, user_model,
)
from msda_theory.data.user import is_user_data
from msda_theory.train.fit import resolve_device

NAME = "robustness"
HELP = "accuracy of a trained run under FGSM or PGD at each eps, with Wilson 95% intervals and sanity checks"
SAMPLES = ("first", "random")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--checkpoint DIR | --model SPEC [--model-weights F] --data D; [--preprocessing M:S] [--preset P] [--attack A] [--norm N] [--eps LIST] [--n N] [--steps K] ... --json OUT."""
    parser.add_argument("--checkpoint", default=None, help="run folder or checkpoint.pt written by training")
    parser.add_argument("--model", default=None, metavar="MODULE:FACTORY",
                        help="a user's model, package.module:function returning an nn.Module (instead of or with "
                             "--checkpoint)")
    parser.add_argument("--model-weights", default=None, metavar="FILE",
                        help="state dict (torch.save(model.state_dict())) or checkpoint.pt to load into --model")
    parser.add_argument("--data", default=None, help=f"data set of the test split with --model ({data_names()}), "
                                                     "or a user's package.module:name returning a Dataset")
    parser.add_argument("--root", default=None, help="folder of the --data files")
    parser.add_argument("--preprocessing", default=None, metavar="MEAN,..:STD,..",
                        help="per-channel normalisation the model applies to [0, 1] images, e.g. 0.5,0.5,0.5:0.25,0.25,0.25")
    parser.add_argument("--preset", default="standard", choices=tuple(PRESETS),
                        help="named evaluation giving the defaults of attack, eps, steps, restarts, n (default standard)")
    parser.add_argument("--attack", choices=ATTACKS, default=None, help=f"{' or '.join(ATTACKS)} (default: the preset's)")
    parser.add_argument("--norm", choices=NORMS, default="linf", help="threat norm (default linf)")
    parser.add_argument("--eps", default=None, help="comma-separated radii, e.g. 0,0.01,0.02 (default: the preset's)")
    parser.add_argument("--n", type=int, default=None, help="number of test images (default: the preset's, else all)")
    parser.add_argument("--sample", choices=SAMPLES, default="first", help="first N test images or a seeded random subset")
    parser.add_argument("--steps", type=int, default=None, help="PGD steps (default: the preset's)")
    parser.add_argument("--restarts", type=int, default=None, help="PGD restarts (default: the preset's)")
    parser.add_argument("--step-size", type=float, default=None, help="PGD step size (default 2.5 * eps / steps)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the subset and the PGD random starts")
    parser.add_argument("--batch-size", type=int, default=500, help="images per attack batch")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or mps")
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


def load_run(checkpoint: str, spec: str | None = None, data_name: str | None = None,
             root: str | None = None) -> tuple[nn.Module, Any, torch.Tensor, torch.Tensor]:
    """(model, config, x_test (N, C, H, W), y_test (N,)) of a run: its data set's test split, its classes.

    The run's checksum is verified, and its data fingerprint against the data as they are now. ``spec``:
    the --model factory of a run on a user's model; ``data_name``: the test data of a run on a user's data.
    """
    from msda_theory.train.checkpoint import read_checkpoint
    from msda_theory.train.runfolder import verify_run_data

    state = read_checkpoint(checkpoint)
    model, config = checkpoint_model(state, str(checkpoint), spec)
    if config.data.startswith("custom:") and data_name is None:
        raise ValueError(f"{checkpoint} was trained on a user's data set ({config.data}): name the test data "
                         "with --data")
    if data_name is not None:
        x, y = test_split(data_name, root)
    else:  # the run's own data set: a name from the file, so a built-in or npz:PATH only (data.load), never imported
        from msda_theory import data

        verify_run_data(state, config, str(checkpoint))
        test = data.load(config.data, root=config.root, split="test")
        x, y = test.x, test.y
    classes = getattr(config, "classes", None)
    if classes is not None:
        from msda_theory.train.task import select_classes

        x, y = select_classes(x, y, tuple(classes))
    return model, config, x, y


def test_split(name: str, root: str | None) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) of the test split of data set ``name``, or every item of a user's ``package.module:name``.

    ``name`` is what the user typed (--data), never a name read from a checkpoint.
    """
    from msda_theory import data  # late: the data sets are only needed here

    if is_user_data(name):
        return user_data_tensors(name)[:2]
    test = data.load(name, root=root, split="test")
    return test.x, test.y


def load_source(args: argparse.Namespace) -> tuple[nn.Module, dict[str, Any] | None, torch.Tensor, torch.Tensor]:
    """(model, the run's config dict or None, x_test, y_test) from --checkpoint and/or --model."""
    if args.checkpoint is None and args.model is None:
        raise ValueError("name the model: --checkpoint DIR or --model package.module:function")
    if args.model_weights is not None and (args.model is None or args.checkpoint is not None):
        raise ValueError("--model-weights goes with --model (without --checkpoint, whose weights are used)")
    spec = model_spec(args.model)
    if args.model is not None and spec is None:
        raise ValueError(f"--model is written 'package.module:function', got {args.model!r}")
    if args.checkpoint is not None:
        model, config, x, y = load_run(args.checkpoint, spec, args.data, args.root)
        return model, config_dict(config), x, y
    if args.data is None:
        raise ValueError("--model needs --data, the data set whose test split is attacked")
    assert spec is not None
    return (user_model(spec, args.model_weights), None, *test_split(args.data, args.root))


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
    preprocessing = parse_preprocessing(args.preprocessing)
    model, config, x, y = load_source(args)
    generator = generator_from_seed(args.seed)
    n = args.n if args.n is not None else (None if preset.n is None else min(preset.n, len(y)))
    x, y = choose_samples(x, y, n, args.sample, generator)
    settings = AttackSettings(norm=args.norm, steps=pgd_steps(args.steps, preset), step_size=args.step_size,
                              restarts=args.restarts if args.restarts is not None else preset.restarts,
                              generator=generator)
    result = evaluate_robustness(
        model.to(device), x, y, eps, attack=args.attack or preset.attack, settings=settings,
        batch_size=args.batch_size, preprocessing=preprocessing,
        progress=False if getattr(args, "quiet", False) else None,  # None: a bar on a terminal only
    )
    payload = {"checkpoint": args.checkpoint and str(args.checkpoint), "config": config, "preset": preset.name,
               "seed": args.seed, "sample": args.sample, **result}
    if args.model is not None:
        payload.update(model=args.model, model_weights=args.model_weights, data=args.data)
    if preprocessing is not None:
        payload["preprocessing"] = {"mean": preprocessing[0], "std": preprocessing[1]}
    write_json(args.json, payload)
    print(f"{payload['attack']} {payload['norm']}, n = {payload['n']}")
    for e, a, lo, hi in zip(result["eps"], result["accuracy"], result["ci_low"], result["ci_high"]):
        print(f"  eps {e:<8.4g} accuracy {a:.4f}  [{lo:.4f}, {hi:.4f}]")
    sanity = result["sanity"]
    for line in sanity["failures"] + sanity["warnings"]:
        print(f"sanity: {line}", file=sys.stderr)
    print(f"sanity {'passed' if sanity['passed'] else 'FAILED'}; wrote {args.json}")
    return 0
