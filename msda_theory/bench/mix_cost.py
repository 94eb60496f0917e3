"""Cost of mixing, as a ratio to the elementwise floor (one torch.lerp over the same batch).

Every timing is a median over interleaved repeats measured in one run: each
repeat times the lerp floor and every (family, mode) once, in turn, with
``torch.utils.benchmark.Timer`` (which synchronizes a GPU), so that the
machine's noise hits all of them alike. The clock is this process's CPU time
(``time.process_time``): on a shared virtual machine, time stolen by other
guests (66% steal seen here) and other processes does not enter it, while on an
idle machine it equals wall time for one thread. The tiny batch (2x1x4x4), where
the arithmetic costs nothing, measures the fixed cost of one call.

With ``baseline``, each paper family is also timed in batch mode against
``bench.official.official_style_mix``, a call with the official code's per-call
work, which mixes the caller's batch in place; ``mix`` is timed as it is used by
default (a new output, x untouched) and with ``inplace=True`` (the same contract
as the official code). Each in-place case mixes its own persistent buffer.
"""
from __future__ import annotations

import platform
import statistics
from typing import Callable, Sequence

import numpy as np
import torch

from msda_theory import masks
from msda_theory.bench.allocator import steady_allocator
from msda_theory.bench.official import FAMILIES as OFFICIAL_FAMILIES, official_style_mix
from msda_theory.timing import CLOCK, interleaved_times
from msda_theory.mix import mix

SHAPES: tuple[tuple[int, int, int, int], ...] = ((2, 1, 4, 4), (128, 3, 32, 32), (64, 3, 224, 224))
TINY = SHAPES[0]


def bench_shape(shape: Sequence[int], families: Sequence[str], modes: Sequence[str], repeats: int,
                *, generator: torch.Generator, progress: bool = False, baseline: bool = False) -> list[dict]:
    """Median seconds of mix(x, y, family, mode) and of torch.lerp(x2, x, m) for one batch shape;
    with ``baseline`` also of official_style_mix per paper family (rows "<family> (official)")."""
    b, c, h, w = shape
    x, x2 = torch.rand(b, c, h, w, generator=generator), torch.rand(b, c, h, w, generator=generator)
    y, m = torch.randint(10, (b,), generator=generator), torch.rand(1, 1, h, w, generator=generator)
    cases: dict[tuple[str, str], Callable[[], object]] = {("lerp", "-"): lambda: torch.lerp(x2, x, m)}
    for name in families:
        sampler = masks.get(name)
        for mode in modes:
            cases[(name, mode)] = lambda s=sampler, md=mode: mix(x, y, s, num_classes=10, mode=md, generator=generator)
        if baseline and name in OFFICIAL_FAMILIES:  # both mix in place: each is given its own buffer
            mine, theirs = x.clone(), x.clone()
            cases[(name, "batch, in place")] = lambda s=sampler, b=mine: mix(b, y, s, num_classes=10, inplace=True,
                                                                              generator=generator)
            cases[(f"{name} (official)", "batch")] = lambda f=name, b=theirs: official_style_mix(b, y, f, 10)
    times = interleaved_times(cases, repeats, desc=f"bench {tuple(shape)}", progress=progress)
    floor = statistics.median(times[("lerp", "-")])
    rows = []
    for (name, mode), ts in times.items():
        med = statistics.median(ts)
        rows.append({"shape": list(shape), "family": name, "mode": mode, "median_s": med, "best_s": min(ts),
                     "ratio_to_lerp": med / floor})
    batch = {r["family"]: r["median_s"] for r in rows if r["mode"] == "batch"}
    for r in rows:
        if r["mode"] == "elem":
            r["elem_over_batch"] = r["median_s"] / batch[r["family"]]
        if r["mode"] in ("batch", "batch, in place") and f"{r['family']} (official)" in batch:
            r["ratio_to_official"] = r["median_s"] / batch[f"{r['family']} (official)"]
    return rows


def run_benchmark(shapes: Sequence[Sequence[int]] = SHAPES, families: Sequence[str] = tuple(masks.FAMILIES),
                  modes: Sequence[str] = ("batch", "elem"), repeats: int = 21, *, seed: int = 0,
                  progress: bool = True, baseline: bool = False) -> dict:
    """All shapes; returns {"machine", "threads", "repeats", "clock", "rows"}."""
    if repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    generator = torch.Generator().manual_seed(seed)
    steady = steady_allocator()
    np.random.seed(seed)  # the baseline draws from NumPy's global generator, as the official code does
    rows = [r for shape in shapes
            for r in bench_shape(shape, families, modes, repeats, generator=generator, progress=progress,
                                 baseline=baseline)]
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    return {"machine": machine, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "repeats": repeats, "clock": CLOCK, "steady_allocator": steady, "rows": rows}


def format_table(result: dict) -> str:
    """A Markdown table of the benchmark rows."""
    lines = ["| batch | family | mode | median (ms) | × lerp | elem / batch | × official |",
             "|---|---|---|---:|---:|---:|---:|"]
    for r in result["rows"]:
        shape = "×".join(str(s) for s in r["shape"])
        eb = f"{r['elem_over_batch']:.2f}" if "elem_over_batch" in r else ""
        official = f"{r['ratio_to_official']:.2f}" if "ratio_to_official" in r else ""
        lines.append(f"| {shape} | {r['family']} | {r['mode']} | {1e3 * r['median_s']:.3f} | {r['ratio_to_lerp']:.2f} "
                     f"| {eb} | {official} |")
    return "\n".join(lines)
