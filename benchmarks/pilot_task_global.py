"""Pilot for ``presets.task``: does every pilot seed learn the global task at a given amplitude and epochs?

Seeds 100+ only (never the evidence seeds 0..11); the task images are those of the evidence unit
(task seed 0), the pilot seeds vary the initial weights, data order and masks as the evidence seeds do.
Prints, per (version, task, amplitude, strategy), each seed's test accuracy, plateau-gate fall (of the training
loss and, mixing only, of the clean training loss) and the wall and CPU seconds per run (one thread).

    nice -n 5 python benchmarks/pilot_task_global.py --version mixing --amplitudes 0.25 0.5 --epochs 20
"""
from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace

import torch

from msda_theory.checks.gates import plateau
from msda_theory.experiments import presets
from msda_theory.experiments.mechanism import OBJECTIVES, train_explicit
from msda_theory.experiments.runtime import torch_threads
from msda_theory.experiments.task_dependence import _final, build_tasks
from msda_theory.train import TrainConfig
from msda_theory.weights import pair_weights


def run_one(version: str, base: TrainConfig, strategy: str, seed: int, train: object, test: object,
            weights: dict[str, object], objective: str = "explicit-r1-r2") -> dict[str, float]:
    """One training run of the pilot: the test accuracy and the plateau-gate falls of its loss curves (the clean
    training loss: mixing runs only, NaN for the mechanism version)."""
    if version == "mixing":
        out = _final(replace(base, strategy=strategy, seed=seed, eval_train=True), train, test)
    else:
        w = weights[strategy]
        out = train_explicit(replace(base, strategy="none", seed=seed), train, test, w.a_p, w.a_pq, objective)
    clean = out.get("clean_train_loss_curve")
    return {"acc": out["test_accuracy"], "fall": plateau(out["train_loss_curve"]),
            "clean_fall": plateau(clean) if clean else math.nan}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--version", choices=("mixing", "mechanism"), default="mixing")
    parser.add_argument("--task", choices=("local", "global"), default="global")
    parser.add_argument("--amplitudes", type=float, nargs="+", default=[0.25])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--n-train", type=int, default=None, help="training images (default: the evidence preset's)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103])
    parser.add_argument("--strategies", nargs="+", default=["mixup", "cutmix"])
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), default="explicit-r1-r2")
    args = parser.parse_args()
    config = presets.task("evidence")
    base = TrainConfig.from_dict({**TrainConfig().to_dict(), **config["train"], "epochs": args.epochs,
                                  **({"lr": args.lr} if args.lr else {})})
    grid = (config["size"], config["size"])
    weights = {s: pair_weights(s, grid, method="quick", n_masks=20000, generator=torch.Generator().manual_seed(0))
               for s in args.strategies} if args.version == "mechanism" else {}
    with torch_threads(1):
        for amp in args.amplitudes:
            params = {"local": {}, "global": {"amplitude": amp}}
            train, test = build_tasks(config["data"], config["size"], args.n_train or config["n_train"], config["n_test"], params,
                                      None, 0)[args.task]
            for s in args.strategies:
                start, cpu = time.perf_counter(), time.process_time()
                rows = [run_one(args.version, base, s, seed, train, test, weights, args.objective) for seed in args.seeds]
                per_run = (time.perf_counter() - start) / len(args.seeds)
                cpu_per_run = (time.process_time() - cpu) / len(args.seeds)
                print(f"{args.version} {args.objective if args.version == 'mechanism' else ''} {args.task} amp {amp} epochs {args.epochs} {s}: acc "
                      + " ".join(f"{r['acc']:.3f}" for r in rows) + " | fall "
                      + " ".join(f"{r['fall']:.3f}" for r in rows) + " | clean-loss fall "
                      + " ".join(f"{r['clean_fall']:.3f}" for r in rows) + f" | {per_run:.1f} s/run wall, "
                      f"{cpu_per_run:.1f} s/run CPU", flush=True)


if __name__ == "__main__":
    main()
