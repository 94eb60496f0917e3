"""Cost of mixing, as a ratio to the elementwise floor (one torch.lerp over the same batch).

Every timing is a median over interleaved repeats measured in one run: each
repeat times the lerp floor and every (family, mode) once, in turn, with
``torch.utils.benchmark.Timer`` (which synchronizes a GPU), so that the
machine's noise hits all of them alike. The tiny batch (2x1x4x4), where the
arithmetic costs nothing, measures the fixed cost of one call.
"""
from __future__ import annotations

import platform
import statistics
from typing import Callable, Sequence

import torch
from torch.utils.benchmark import Timer
from tqdm import tqdm

from msda_theory import masks
from msda_theory.mix import mix

SHAPES: tuple[tuple[int, int, int, int], ...] = ((2, 1, 4, 4), (128, 3, 32, 32), (64, 3, 224, 224))
TINY = SHAPES[0]


def steady_allocator() -> bool:
    """Ask glibc to serve large buffers from its heap and keep freed memory (Linux only).

    Without this, each fresh 38 MB output of the 224 px batch may or may not be
    a new mmap whose page faults cost more than the arithmetic, and the medians
    jump between two modes (seen here: the same lerp at 4 and 12 ms). Applies
    to the floor and to every case alike. Returns whether it took effect.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 1 << 30)) and bool(libc.mallopt(m_trim_threshold, 1 << 31 - 1))
    except (OSError, AttributeError):
        return False


def _once(fn: Callable[[], object]) -> float:
    """Median seconds per call over a short block of calls (Timer picks the block size)."""
    return Timer(stmt="fn()", globals={"fn": fn}).blocked_autorange(min_run_time=0.02).median


def bench_shape(shape: Sequence[int], families: Sequence[str], modes: Sequence[str], repeats: int,
                *, generator: torch.Generator, progress: bool = False) -> list[dict]:
    """Median seconds of mix(x, y, family, mode) and of torch.lerp(x2, x, m) for one batch shape."""
    b, c, h, w = shape
    x, x2 = torch.rand(b, c, h, w, generator=generator), torch.rand(b, c, h, w, generator=generator)
    y, m = torch.randint(10, (b,), generator=generator), torch.rand(1, 1, h, w, generator=generator)
    cases: dict[tuple[str, str], Callable[[], object]] = {("lerp", "-"): lambda: torch.lerp(x2, x, m)}
    for name in families:
        sampler = masks.get(name)
        for mode in modes:
            cases[(name, mode)] = lambda s=sampler, md=mode: mix(x, y, s, num_classes=10, mode=md, generator=generator)
    times: dict[tuple[str, str], list[float]] = {k: [] for k in cases}
    for fn in cases.values():  # warm-up
        fn()
    for _ in tqdm(range(repeats), desc=f"bench {tuple(shape)}", disable=not progress, leave=False):
        for key, fn in cases.items():
            times[key].append(_once(fn))
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
    return rows


def run_benchmark(shapes: Sequence[Sequence[int]] = SHAPES, families: Sequence[str] = tuple(masks.FAMILIES),
                  modes: Sequence[str] = ("batch", "elem"), repeats: int = 21, *, seed: int = 0,
                  progress: bool = True) -> dict:
    """All shapes; returns {"machine", "threads", "repeats", "rows"}."""
    if repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    generator = torch.Generator().manual_seed(seed)
    steady = steady_allocator()
    rows = [r for shape in shapes for r in bench_shape(shape, families, modes, repeats, generator=generator, progress=progress)]
    machine = f"{platform.machine()} {platform.processor() or ''}".strip()
    return {"machine": machine, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "repeats": repeats, "steady_allocator": steady, "rows": rows}


def format_table(result: dict) -> str:
    """A Markdown table of the benchmark rows."""
    lines = ["| batch | family | mode | median (ms) | × lerp | elem / batch |", "|---|---|---|---:|---:|---:|"]
    for r in result["rows"]:
        shape = "×".join(str(s) for s in r["shape"])
        eb = f"{r['elem_over_batch']:.2f}" if "elem_over_batch" in r else ""
        lines.append(f"| {shape} | {r['family']} | {r['mode']} | {1e3 * r['median_s']:.3f} | {r['ratio_to_lerp']:.2f} | {eb} |")
    return "\n".join(lines)
