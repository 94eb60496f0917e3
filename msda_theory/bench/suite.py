"""``msda-theory bench --suite all``: every benchmark against its floor, scaling slopes, targets (issue 13).

Sections (each a ratio to a floor measured in the same run):
mix (fixed cost per call at 2x1x4x4, ratios to one torch.lerp, and each paper family
against a call with the official code's per-call work, ``bench.official``), fmix (elem
against batch mode at 224 px, with the share of its inverse FFTs), pgd (PGD-10 against
11 forward+backward passes), decompose (direct estimator against its floor, on a grid
of n up to 10,000 images; peak RSS), weights (exact CutMix at sides on a log grid;
seconds and peak RSS against H W, with fitted log-log slopes), epoch (one training
epoch per strategy against an epoch without mixing), fit (``fit`` with its run folder
against a bare loop doing the same work, ``bench.fit_cost``). ``run_suite(sections=...,
base=saved)`` reruns some sections and keeps the others of a saved result.

Everything runs in one thread and, except the epoch section, is timed in process CPU
seconds, so that other processes and the time a shared virtual machine's host steals
do not enter the ratios. Load averages and the share of CPU time stolen by the host
(from /proc/stat) over the run are recorded beside them.
"""
from __future__ import annotations

import math
import os
import platform
import re
import statistics
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from msda_theory.bench.fit_cost import fit_section
from msda_theory.bench.mix_cost import SHAPES, TINY, format_table, run_benchmark
from msda_theory.bench.scale import in_child, pgd_case, slope
from msda_theory.timing import interleaved_times
from msda_theory import masks
from msda_theory.masks import PAPER_FAMILIES

GB = 2**30
README_START, README_END = "<!-- bench-suite:start -->", "<!-- bench-suite:end -->"


def grids(quick: bool) -> dict[str, Any]:
    """Sizes of each section: small ones for smoke tests, the issue's targets otherwise."""
    if quick:
        return {"decompose_n": [16, 32], "draws": 4, "resnet": (8, 2), "sides": [16, 32], "pgd_n": 100, "epoch": 1,
                "fmix": (8, 32), "fit": {"epochs": 2, "n_train": 64, "n_test": 32, "repeats": 2}}
    return {"decompose_n": [500, 2000, 10000], "draws": 32, "resnet": (64, 8), "sides": [64, 128, 256, 512, 1024],
            "pgd_n": 1000, "epoch": 2, "fmix": (64, 224),
            "fit": {"epochs": 5, "n_train": 1000, "n_test": 500, "repeats": 7}}


def cpu_ticks() -> tuple[int, int] | None:
    """(stolen, total) CPU ticks of the machine since boot, from /proc/stat; None where it is absent."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """Share of the machine's CPU time the host stole between two ``cpu_ticks`` readings."""
    if before is None or after is None or after[1] <= before[1]:
        return None
    return (after[0] - before[0]) / (after[1] - before[1])


def fmix_section(batch: int, side: int, repeats: int = 5) -> dict[str, Any]:
    """FMix elem against batch mode, and the inverse FFTs that elem mode needs per image (CPU seconds)."""
    from msda_theory.masks.fmix import low_frequency_images
    from msda_theory.mix import mix

    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(batch, 3, side, side, generator=g), torch.randint(10, (batch,), generator=g)
    fmix = masks.get("fmix")
    cases = {"batch": lambda: mix(x, y, fmix, num_classes=10, mode="batch", generator=g),
             "elem": lambda: mix(x, y, fmix, num_classes=10, mode="elem", generator=g),
             "ifft_batch": lambda: low_frequency_images(1, (side, side), fmix.decay_power, generator=g),
             "ifft_elem": lambda: low_frequency_images(batch, (side, side), fmix.decay_power, generator=g)}
    med = {k: statistics.median(v) for k, v in interleaved_times(cases, repeats).items()}
    return {"shape": [batch, 3, side, side], "median_s": med, "elem_over_batch": med["elem"] / med["batch"],
            "ifft_share_of_elem": med["ifft_elem"] / med["elem"],
            "elem_over_batch_without_ifft": (med["elem"] - med["ifft_elem"]) / (med["batch"] - med["ifft_batch"])}


def epoch_section(repeats: int) -> dict[str, Any]:
    """One training epoch per strategy, interleaved, as a ratio to the epoch without mixing."""
    from msda_theory.train.config import TrainConfig
    from msda_theory.train.cost import epoch_cost

    strategies = ["none", *PAPER_FAMILIES, "fmix"]
    cost = epoch_cost(TrainConfig(data="digits", model="cnn", batch_size=64, seed=0), strategies, repeats=repeats)
    floor = cost["median_seconds"]["none"]
    return {"data": "digits", "n_train": cost["n_train"], "repeats": repeats, "median_seconds": cost["median_seconds"],
            "ratio_to_no_mixing": {s: m / floor for s, m in cost["median_seconds"].items()}}


SECTIONS = ("mix", "fmix", "pgd", "decompose", "weights", "epoch", "fit")


def decompose_section(sizes: dict[str, Any]) -> dict[str, Any]:
    """The direct estimator on the grid of n and on a ResNet, with log-log slopes against n."""
    dec = [in_child("decompose", n=n, draws=sizes["draws"]) for n in sizes["decompose_n"]]
    resnet = in_child("decompose", n=sizes["resnet"][0], draws=sizes["resnet"][1], model="resnet")
    return {"runs": dec, "resnet": resnet,
            "slope_seconds_vs_n": slope([r["n"] for r in dec], [r["seconds"] for r in dec]),
            "slope_rss_vs_n": slope([r["n"] for r in dec], [r["peak_rss_bytes"] for r in dec])}


def weights_section(sizes: dict[str, Any]) -> dict[str, Any]:
    """Exact CutMix weights on the grid of sides, with log-log slopes against H W."""
    runs = [in_child("weights", side=s) for s in sizes["sides"]]
    return {"runs": runs,
            "slope_seconds_vs_pixels": slope([r["pixels"] for r in runs], [r["seconds"] for r in runs]),
            "slope_rss_vs_pixels": slope([r["pixels"] for r in runs], [r["peak_rss_bytes"] for r in runs])}


def check_sections(names: Any) -> tuple[str, ...]:
    """The section names, validated against ``SECTIONS`` (in the order given, without repeats)."""
    unknown = [n for n in names if n not in SECTIONS]
    if not names or unknown:
        raise ValueError(f"sections must be a non-empty list from: {', '.join(SECTIONS)}; got {list(names)!r}")
    return tuple(dict.fromkeys(names))


def run_suite(*, quick: bool = False, repeats: int = 21, seed: int = 0, progress: bool = False,
              sections: Any = SECTIONS, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run ``sections`` (all by default) and return the JSON-ready result with 'targets'.

    ``base``: a saved suite result whose other sections are kept (a section-wise rerun). Each section
    records the 1-minute load average before and after it and the share of CPU time the host stole.
    """
    names, sizes = check_sections(sections), grids(quick)
    runners = {
        "mix": lambda: run_benchmark(SHAPES[:2] if quick else SHAPES, repeats=repeats, seed=seed, progress=False,
                                     baseline=True),
        "fmix": lambda: fmix_section(*sizes["fmix"]), "pgd": lambda: pgd_case(sizes["pgd_n"]),
        "decompose": lambda: decompose_section(sizes), "weights": lambda: weights_section(sizes),
        "epoch": lambda: epoch_section(sizes["epoch"]), "fit": lambda: fit_section(**sizes["fit"]),
    }
    result = dict(base or {})
    load_before, ticks_before, threads = os.getloadavg(), cpu_ticks(), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name in tqdm(names, desc="bench suite", disable=not progress):
            before, ticks = os.getloadavg()[0], cpu_ticks()
            result[name] = dict(runners[name](), load_average=[before, os.getloadavg()[0]],
                                steal_share=steal_share(ticks, cpu_ticks()))
    finally:
        torch.set_num_threads(threads)
    result.update({
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "device": "cpu",
        "cuda_available": torch.cuda.is_available(), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(), "quick": quick, "load_average_before": list(load_before),
        "clock": "process CPU seconds, one thread (epoch section: wall seconds)", "sections_run": list(names),
        "load_average_after": list(os.getloadavg()), "steal_share": steal_share(ticks_before, cpu_ticks()),
    })
    result["targets"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's 'done when' targets (and the fit and fixed-cost ones) for the sections the result holds."""
    out = []
    if "mix" in result:
        tiny = [r for r in result["mix"]["rows"] if tuple(r["shape"]) == TINY and r["mode"] == "batch"]
        for r in (r for r in tiny if r["family"] in PAPER_FAMILIES):
            out.append(_target(f"mix fixed cost, {r['family']} (µs per call, median of rounds)", 1e6 * r["median_s"], 150.0))
            out.append(_target(f"mix fixed cost, {r['family']} (µs per call, best round)", 1e6 * r["best_s"], 150.0))
        out += official_targets(result["mix"]["rows"])
    if "fit" in result:
        f = result["fit"]
        out.append(_target(f"fit / bare loop ({f['epochs']} epochs, {f['n_train']} images, {f['model'].upper()}, "
                           f"{f['strategy']}, evaluation each epoch)", f["ratio_to_bare"], 1.25))
    if "decompose" in result:
        last = max(result["decompose"]["runs"], key=lambda r: r["n"])
        out.append(_target(f"decompose direct / floor (n={last['n']}, {last['draws']} draws)", last["ratio_to_floor"], 1.5))
        out.append(_target(f"decompose peak RSS GB (n={last['n']}, {last['draws']} draws)", last["peak_rss_bytes"] / GB, 2.0))
    if "weights" in result:
        big = max(result["weights"]["runs"], key=lambda r: r["pixels"])
        side = "x".join(map(str, big["size"]))
        out.append(_target(f"CutMix exact weights {side} seconds", big["seconds"], 60.0))
        out.append(_target(f"CutMix exact weights {side} peak RSS GB", big["peak_rss_bytes"] / GB, 2.0))
    fmix = [r for r in result.get("mix", {}).get("rows", []) if r["family"] == "fmix" and "elem_over_batch" in r]
    if "fmix" in result:
        fmix.append(result["fmix"])
    if fmix:
        worst = max(fmix, key=lambda r: r["elem_over_batch"])
        out.append(_target(f"FMix elem / batch ({'x'.join(map(str, worst['shape']))})", worst["elem_over_batch"], 3.0))
    return out


def official_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """mix / the official-semantics call, per paper family and mode, at the tiny batch (the fixed cost of a
    call) and at the batch with the most elements."""
    shapes = {tuple(r["shape"]) for r in rows}
    measured = dict.fromkeys([s for s in (TINY, max(shapes, key=math.prod)) if s in shapes])  # tiny first
    return [_target(f"mix / official-semantics call, {r['family']} {r['mode']} ({'x'.join(map(str, r['shape']))})",
                    r["ratio_to_official"], 1.0)
            for shape in measured for r in rows if tuple(r["shape"]) == shape and "ratio_to_official" in r]


def _target(name: str, measured: float, limit: float) -> dict[str, Any]:
    return {"target": name, "measured": measured, "limit": limit, "met": measured <= limit}


def format_suite(result: dict[str, Any]) -> str:
    """The README's Markdown: one table of targets and one of ratios to floors with slopes."""
    steal = result.get("steal_share")
    lines = [f"Machine: {result['machine']}, {result['cpu_count']} CPUs, torch {result['torch']}, device "
             f"{result['device']}; load average {result['load_average_before'][0]:.2f} before, "
             f"{result['load_average_after'][0]:.2f} after"
             + ("" if steal is None else f"; {100 * steal:.0f}% of the CPU time stolen by the host during the run")
             + f". Clock: {result.get('clock', 'wall seconds')}.", "", *section_loads(result),
             "| target | measured | limit | met |", "|---|---:|---:|---|"]
    lines += [f"| {t['target']} | {t['measured']:.3g} | {t['limit']:g} | {'yes' if t['met'] else 'no'} |"
              for t in result["targets"]]
    lines += ["", "| benchmark | size | seconds | floor (s) | × floor | peak RSS (GB) | wall seconds |",
              "|---|---|---:|---:|---:|---:|---:|"]
    if "pgd" in result:
        p = result["pgd"]
        lines.append(f"| PGD-10 vs 11 fwd+bwd | {p['n']} images | {p['seconds']:.3g} | {p['floor_seconds']:.3g} | "
                     f"{p['ratio_to_floor']:.2f} | | |")
    dec = result.get("decompose")
    for r in [*dec["runs"], dec["resnet"]] if dec else []:
        wall = f"{r['wall_seconds']:.3g}" if "wall_seconds" in r else ""
        lines.append(f"| decompose direct ({r['model']}) | {r['n']} × {r['draws']} draws | {r['seconds']:.3g} | "
                     f"{r['floor_seconds']:.3g} | {r['ratio_to_floor']:.2f} | {r['peak_rss_bytes'] / GB:.2f} | {wall} |")
    for r in result.get("weights", {}).get("runs", []):
        lines.append(f"| CutMix exact weights | {'×'.join(map(str, r['size']))} | {r['seconds']:.3g} | | | "
                     f"{r['peak_rss_bytes'] / GB:.2f} | |")
    if "fit" in result:
        f = result["fit"]
        lines.append(f"| fit vs a bare loop, same work | {f['epochs']} epochs × {f['n_train']} images, "
                     f"{f['n_test']} tested | {f['median_seconds']['fit']:.3g} | {f['median_seconds']['bare']:.3g} | "
                     f"{f['ratio_to_bare']:.2f} | | |")
    if "fmix" in result:
        f = result["fmix"]
        lines += ["", f"FMix at {'×'.join(map(str, f['shape']))}: elem / batch {f['elem_over_batch']:.2f}; the "
                  f"per-image inverse FFTs are {100 * f['ifft_share_of_elem']:.0f}% of elem mode's time, and "
                  f"without them elem / batch is {f['elem_over_batch_without_ifft']:.2f}."]
    if "mix" in result:
        lines += ["", f"mix() per family and mode (median of {result['mix'].get('repeats', '?')} interleaved rounds; "
                  "the 2×1×4×4 batch measures the fixed cost of a call):", "", format_table(result["mix"])]
    if "epoch" in result:
        e = result["epoch"]["ratio_to_no_mixing"]
        lines += ["", "Epoch cost × an epoch without mixing: " + ", ".join(f"{s} {v:.2f}" for s, v in e.items() if s != "none")]
    if "decompose" in result and "weights" in result:
        lines += ["", "Log-log slopes: decompose seconds vs n "
                  f"{_fmt(result['decompose']['slope_seconds_vs_n'])}, peak RSS vs n {_fmt(result['decompose']['slope_rss_vs_n'])}; "
                  f"weights seconds vs H·W {_fmt(result['weights']['slope_seconds_vs_pixels'])}, "
                  f"peak RSS vs H·W {_fmt(result['weights']['slope_rss_vs_pixels'])}."]
    return "\n".join(lines)


def section_loads(result: dict[str, Any]) -> list[str]:
    """One line naming the sections this run measured and, per section, the 1-minute load average before and
    after it (a section-wise rerun keeps the other sections of its base, measured in an earlier run)."""
    loads = [f"{name} {result[name]['load_average'][0]:.1f}→{result[name]['load_average'][1]:.1f}"
             for name in SECTIONS if isinstance(result.get(name), dict) and "load_average" in result[name]]
    if not loads:
        return []
    rerun = result.get("sections_run")
    ran = f"Sections measured in the latest run: {', '.join(rerun)}. " if rerun else ""
    return [ran + "Load average (1 min) before→after each section: " + ", ".join(loads) + ".", ""]


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def read_suite(path: str | os.PathLike) -> dict[str, Any]:
    """A suite result saved by ``bench --suite all --json``; ValueError if it is not one."""
    from msda_theory.io import read_json

    result = read_json(path)
    missing = [k for k in ("machine", "targets") if not isinstance(result, dict) or k not in result]
    if isinstance(result, dict) and not any(k in result for k in SECTIONS):
        missing += list(SECTIONS)
    if missing:
        raise ValueError(f"{path} is not a bench suite result (missing {', '.join(missing)})")
    return result


def write_readme(path: str | os.PathLike, result: dict[str, Any]) -> None:
    """Replace the text between the README's bench-suite markers by ``format_suite(result)``."""
    readme = Path(path)
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no '{README_START}' ... '{README_END}' section to rewrite")
    readme.write_text(pattern.sub(lambda _: f"{README_START}\n{format_suite(result)}\n{README_END}", text))
