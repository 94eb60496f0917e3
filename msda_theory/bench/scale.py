"""Benchmarks at scale, each against a floor measured in the same run (issue 13).

- decompose (direct estimator): floor = per draw, one forward pass at x_i + delta for the
  mixed loss plus one forward-over-forward second directional derivative at x_i along
  delta, on a chunk of the size the estimator uses; cost ratio = decompose / (floor per
  evaluation x n x draws). Both are process CPU seconds of the one-thread child
  (``time.process_time`` as the Timer's clock), so that other processes on a shared
  machine do not enter the ratio (wall seconds of the run are reported beside them;
  on an idle machine the two agree). The floor is timed before and after the run
  and averaged. Peak RSS of the whole run.
- weights (exact CutMix a_p and distance profile): CPU seconds and peak RSS against H W.
- pgd (PGD-10 + final forward): floor = 11 forward+backward passes to the input; the only PGD
  benchmark (``python -m msda_theory.bench.scale pgd '{"n": 1000}'`` runs it alone).

Each case that reports memory runs in a child process (``python -m msda_theory.bench.scale
CASE JSON``), one thread, which prints one JSON line with its peak RSS: ``peak_rss_bytes``
is VmHWM from /proc/self/status (the new process image's own high-water mark), and
``ru_maxrss_bytes`` is ``resource.getrusage(RUSAGE_SELF).ru_maxrss``, which Linux carries
over from the parent at fork, so it is only an upper bound when the parent is large.
Times use ``torch.utils.benchmark.Timer``. Each child sets glibc's allocator to keep
freed buffers (``msda_theory.bench.allocator``), as ``msda-theory decompose`` does.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch.nn import functional as F

from msda_theory import masks, models
from msda_theory.bench.allocator import steady_allocator
from msda_theory.timing import timed


def slope(sizes: list[float], costs: list[float]) -> float | None:
    """Least-squares slope of log(cost) against log(size); None with fewer than two sizes."""
    if len(sizes) < 2:
        return None
    return float(np.polyfit(np.log(sizes), np.log(costs), 1)[0])


def bench_data(model: str, n: int) -> tuple[torch.Tensor, torch.Tensor, str]:
    """Fashion-MNIST train images for 'cnn' (digits upsampled if absent); uniform 3x32x32 noise for 'resnet'."""
    from msda_theory.data import available, load

    if model == "resnet":
        g = torch.Generator().manual_seed(0)
        return torch.rand(n, 3, 32, 32, generator=g), torch.randint(10, (n,), generator=g), "uniform noise 3x32x32"
    if available("fashion-mnist"):
        d = load("fashion-mnist")
        return d.x[:n].clone(), d.y[:n].clone(), "fashion-mnist"
    d = load("digits")
    return F.interpolate(d.x[:n], size=(28, 28), mode="bilinear"), d.y[:n].clone(), "digits upsampled"


def decompose_case(n: int, draws: int, model: str = "cnn") -> dict[str, Any]:
    """Direct estimator on n images x draws against its floor (see the module docstring)."""
    from msda_theory.regularizers import decompose, get_loss
    from msda_theory.regularizers.derivatives import as_rows, directional_derivatives
    from msda_theory.regularizers.stream import DEFAULT_BUDGET, evaluations_per_call

    x, y, source = bench_data(model, n)
    torch.manual_seed(0)
    net = models.build(model, tuple(x.shape[1:]), 10, activation="softplus").eval()
    ce = get_loss("ce")
    f = as_rows(net, ce)
    evaluations = evaluations_per_call(f, x, DEFAULT_BUDGET, 2048)
    b = min(n, max(1, evaluations // draws))
    s = max(1, min(draws, evaluations // b))
    g = torch.Generator().manual_seed(1)
    xs, rows = x[:b].clone(), F.one_hot(y[:b], 10).to(x.dtype)
    mask, _ = masks.CutMix().sample(s * b, tuple(x.shape[-2:]), generator=g)
    delta = ((1.0 - mask.reshape(s, b, 1, *x.shape[-2:])) * (xs.flip(0) - xs)).contiguous()

    def floor_chunk() -> None:
        with torch.no_grad():
            ce.value(f((xs + delta).reshape(-1, *x.shape[1:])).reshape(s, b, -1), rows)
            directional_derivatives(f, xs, delta)

    per_eval = [timed(floor_chunk, cpu=True) / (s * b)]
    wall = time.perf_counter()
    seconds = timed(lambda: decompose(net, x, y, masks.CutMix(), estimator="direct", n_masks=draws,
                                      generator=torch.Generator().manual_seed(0)), once=True, cpu=True)
    wall = time.perf_counter() - wall
    per_eval.append(timed(floor_chunk, cpu=True) / (s * b))
    floor = float(np.mean(per_eval)) * n * draws
    return {"model": model, "data": source, "n": n, "draws": draws, "evaluations_per_call": evaluations,
            "seconds": seconds, "wall_seconds": wall, "floor_seconds": floor, "ratio_to_floor": seconds / floor,
            "floor_per_evaluation_s": per_eval, "clock": "process CPU seconds, one thread"}


def weights_case(side: int) -> dict[str, Any]:
    """Exact CutMix a_p and Chebyshev profile at side x side: seconds (one run)."""
    from msda_theory.weights import pair_weights

    def run() -> None:
        result = pair_weights(masks.CutMix(), (side, side))
        result.a_p.sum()
        result.profile("chebyshev")

    return {"size": [side, side], "pixels": side * side, "seconds": timed(run, once=True, cpu=True)}


def pgd_case(n: int, batch: int = 500, min_run_time: float = 2.0) -> dict[str, Any]:
    """PGD-10 plus a final forward against 11 forward+backward passes to the input, same images.

    The one PGD benchmark: the pgd section of ``msda-theory bench --suite all`` and, alone in a
    one-thread child with its peak RSS, ``python -m msda_theory.bench.scale pgd '{"n": 1000}'``.
    ``min_run_time``: seconds each of the two is timed for (``timed``)."""
    from msda_theory.attacks import pgd
    from msda_theory.attacks.loss import attack_mode

    x, y, _ = bench_data("cnn", n)
    torch.manual_seed(0)
    net = models.build("cnn", (1, 28, 28), 10).eval()
    batches = [(x[i:i + batch], y[i:i + batch]) for i in range(0, n, batch)]

    def floor() -> None:
        with attack_mode(net):
            for xb, yb in batches:
                for _ in range(11):
                    xg = xb.detach().requires_grad_(True)
                    torch.autograd.grad(F.cross_entropy(net(xg), yb, reduction="sum"), xg)

    def attack() -> None:
        for xb, yb in batches:
            adv = pgd(net, xb, yb, 0.1, steps=10, generator=torch.Generator().manual_seed(0))
            with torch.no_grad():
                net(adv)

    floor_s = timed(floor, min_run_time=min_run_time, cpu=True)
    attack_s = timed(attack, min_run_time=min_run_time, cpu=True)
    return {"n": n, "batch": batch, "seconds": attack_s, "floor_seconds": floor_s, "ratio_to_floor": attack_s / floor_s}


CASES: dict[str, Callable[..., dict[str, Any]]] = {"decompose": decompose_case, "weights": weights_case,
                                                 "pgd": pgd_case}


def in_child(case: str, timeout: float | None = None, **kwargs: Any) -> dict[str, Any]:
    """Run CASES[case](**kwargs) in a fresh one-thread process; its result plus peak_rss_bytes."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "msda_theory.bench.scale", case, json.dumps(kwargs)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark case {case} {kwargs} failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    """Child entry point: run one case, print its JSON result with peak RSS."""
    torch.set_num_threads(1)
    steady = steady_allocator()
    result = CASES[argv[0]](**json.loads(argv[1]))
    result["steady_allocator"] = steady
    result["ru_maxrss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    result["peak_rss_bytes"] = high_water_mark() or result["ru_maxrss_bytes"]
    print(json.dumps(result))


def high_water_mark() -> int | None:
    """Peak resident set size of this process image (VmHWM, bytes), or None where /proc is absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


if __name__ == "__main__":
    main(sys.argv[1:])
