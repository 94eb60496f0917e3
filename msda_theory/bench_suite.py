"""``msda-theory bench --suite all``: every benchmark against its floor, scaling slopes, targets (issue 13).

Sections (each a ratio to a floor measured in the same run):
mix (fixed cost per call at 2x1x4x4, ratios to one torch.lerp), pgd (PGD-10 against
11 forward+backward passes), decompose (direct estimator against its floor, on a grid
of n; peak RSS), weights (exact CutMix at sides on a log grid; seconds and peak RSS
against H W, with fitted log-log slopes), epoch (one training epoch per strategy
against an epoch without mixing). Load averages before and after are recorded: the
machine may be shared.
"""
from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import Any

import torch

from msda_theory.bench import SHAPES, TINY, format_table, run_benchmark
from msda_theory.bench_scale import in_child, pgd_case, slope
from msda_theory.masks import PAPER_FAMILIES

GB = 2**30
README_START, README_END = "<!-- bench-suite:start -->", "<!-- bench-suite:end -->"


def grids(quick: bool) -> dict[str, Any]:
    """Sizes of each section: small ones for smoke tests, the issue's targets otherwise."""
    if quick:
        return {"decompose_n": [16, 32], "draws": 4, "resnet": (8, 2), "sides": [16, 32], "pgd_n": 100, "epoch": 1}
    return {"decompose_n": [125, 250, 500], "draws": 32, "resnet": (64, 8), "sides": [64, 128, 256, 512, 1024],
            "pgd_n": 1000, "epoch": 2}


def epoch_section(repeats: int) -> dict[str, Any]:
    """One training epoch per strategy, interleaved, as a ratio to the epoch without mixing."""
    from msda_theory.train.config import TrainConfig
    from msda_theory.train.cost import epoch_cost

    strategies = ["none", *PAPER_FAMILIES, "fmix"]
    cost = epoch_cost(TrainConfig(data="digits", model="cnn", batch_size=64, seed=0), strategies, repeats=repeats)
    floor = cost["median_seconds"]["none"]
    return {"data": "digits", "n_train": cost["n_train"], "repeats": repeats, "median_seconds": cost["median_seconds"],
            "ratio_to_no_mixing": {s: m / floor for s, m in cost["median_seconds"].items()}}


def run_suite(*, quick: bool = False, repeats: int = 21, seed: int = 0) -> dict[str, Any]:
    """Run every section; returns the JSON-ready result with a 'targets' list."""
    sizes = grids(quick)
    load_before = os.getloadavg()
    mix = run_benchmark(SHAPES[:2] if quick else SHAPES, repeats=repeats, seed=seed, progress=False)
    pgd = pgd_case(sizes["pgd_n"])
    dec = [in_child("decompose", n=n, draws=sizes["draws"]) for n in sizes["decompose_n"]]
    resnet = in_child("decompose", n=sizes["resnet"][0], draws=sizes["resnet"][1], model="resnet")
    weights = [in_child("weights", side=s) for s in sizes["sides"]]
    epoch = epoch_section(sizes["epoch"])
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(), "device": "cpu",
        "cuda_available": torch.cuda.is_available(), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(), "quick": quick, "load_average_before": list(load_before),
        "mix": mix, "pgd": pgd,
        "decompose": {"runs": dec, "resnet": resnet,
                      "slope_seconds_vs_n": slope([r["n"] for r in dec], [r["seconds"] for r in dec]),
                      "slope_rss_vs_n": slope([r["n"] for r in dec], [r["peak_rss_bytes"] for r in dec])},
        "weights": {"runs": weights,
                    "slope_seconds_vs_pixels": slope([r["pixels"] for r in weights], [r["seconds"] for r in weights]),
                    "slope_rss_vs_pixels": slope([r["pixels"] for r in weights], [r["peak_rss_bytes"] for r in weights])},
        "epoch": epoch, "load_average_after": list(os.getloadavg()),
    }
    result["targets"] = targets(result)
    return result


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 13's 'done when' targets at the sizes this run measured."""
    out = []
    tiny = [r for r in result["mix"]["rows"] if tuple(r["shape"]) == TINY and r["mode"] == "batch"]
    for r in tiny:
        if r["family"] in PAPER_FAMILIES:
            out.append(_target(f"mix fixed cost, {r['family']} (µs per call, median of rounds)", 1e6 * r["median_s"], 150.0))
            out.append(_target(f"mix fixed cost, {r['family']} (µs per call, best round)", 1e6 * r["best_s"], 150.0))
    last = max(result["decompose"]["runs"], key=lambda r: r["n"])
    out.append(_target(f"decompose direct / floor (n={last['n']}, {last['draws']} draws)", last["ratio_to_floor"], 1.5))
    out.append(_target(f"decompose peak RSS GB (n={last['n']}, {last['draws']} draws)", last["peak_rss_bytes"] / GB, 2.0))
    big = max(result["weights"]["runs"], key=lambda r: r["pixels"])
    side = "x".join(map(str, big["size"]))
    out.append(_target(f"CutMix exact weights {side} seconds", big["seconds"], 60.0))
    out.append(_target(f"CutMix exact weights {side} peak RSS GB", big["peak_rss_bytes"] / GB, 2.0))
    fmix = [r for r in result["mix"]["rows"] if r["family"] == "fmix" and "elem_over_batch" in r]
    if fmix:
        worst = max(fmix, key=lambda r: r["elem_over_batch"])
        out.append(_target(f"FMix elem / batch ({'x'.join(map(str, worst['shape']))})", worst["elem_over_batch"], 3.0))
    return out


def _target(name: str, measured: float, limit: float) -> dict[str, Any]:
    return {"target": name, "measured": measured, "limit": limit, "met": measured <= limit}


def format_suite(result: dict[str, Any]) -> str:
    """The README's Markdown: one table of targets and one of ratios to floors with slopes."""
    lines = [f"Machine: {result['machine']}, {result['cpu_count']} CPUs, torch {result['torch']}, device "
             f"{result['device']}; load average {result['load_average_before'][0]:.2f} before, "
             f"{result['load_average_after'][0]:.2f} after.", "",
             "| target | measured | limit | met |", "|---|---:|---:|---|"]
    lines += [f"| {t['target']} | {t['measured']:.3g} | {t['limit']:g} | {'yes' if t['met'] else 'no'} |"
              for t in result["targets"]]
    lines += ["", "| benchmark | size | seconds | floor (s) | × floor | peak RSS (GB) |", "|---|---|---:|---:|---:|---:|"]
    p = result["pgd"]
    lines.append(f"| PGD-10 vs 11 fwd+bwd | {p['n']} images | {p['seconds']:.3g} | {p['floor_seconds']:.3g} | "
                 f"{p['ratio_to_floor']:.2f} | |")
    for r in [*result["decompose"]["runs"], result["decompose"]["resnet"]]:
        lines.append(f"| decompose direct ({r['model']}) | {r['n']} × {r['draws']} draws | {r['seconds']:.3g} | "
                     f"{r['floor_seconds']:.3g} | {r['ratio_to_floor']:.2f} | {r['peak_rss_bytes'] / GB:.2f} |")
    for r in result["weights"]["runs"]:
        lines.append(f"| CutMix exact weights | {'×'.join(map(str, r['size']))} | {r['seconds']:.3g} | | | "
                     f"{r['peak_rss_bytes'] / GB:.2f} |")
    lines += ["", f"mix() per family and mode (median of {result['mix'].get('repeats', '?')} interleaved rounds; "
              "the 2×1×4×4 batch measures the fixed cost of a call):", "", format_table(result["mix"])]
    e = result["epoch"]["ratio_to_no_mixing"]
    lines += ["", "Epoch cost × an epoch without mixing: " + ", ".join(f"{s} {v:.2f}" for s, v in e.items() if s != "none"),
              "", "Log-log slopes: decompose seconds vs n "
              f"{_fmt(result['decompose']['slope_seconds_vs_n'])}, peak RSS vs n {_fmt(result['decompose']['slope_rss_vs_n'])}; "
              f"weights seconds vs H·W {_fmt(result['weights']['slope_seconds_vs_pixels'])}, "
              f"peak RSS vs H·W {_fmt(result['weights']['slope_rss_vs_pixels'])}."]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def write_readme(path: str | os.PathLike, result: dict[str, Any]) -> None:
    """Replace the text between the README's bench-suite markers by ``format_suite(result)``."""
    readme = Path(path)
    text = readme.read_text()
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{path} has no '{README_START}' ... '{README_END}' section to rewrite")
    readme.write_text(pattern.sub(lambda _: f"{README_START}\n{format_suite(result)}\n{README_END}", text))
