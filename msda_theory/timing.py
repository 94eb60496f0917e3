"""Timing in one run: a median of warm blocks or one cold call, on the CPU-time clock, and interleaved rounds.

Interleaving (A B C A B C ...) lets the drifts of a shared machine hit every case alike; the CPU-time clock
(``time.process_time``) keeps other processes and the time a virtual machine's host steals out of one-thread
timings. This module imports only torch and tqdm, so that the training code (``train.cost.epoch_cost``) shares
its rounds loop.
"""
from __future__ import annotations

import time
from typing import Callable, Hashable, TypeVar

import torch
from torch.utils.benchmark import Timer
from tqdm import tqdm

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

CLOCK = "process CPU time"


def timed(fn: Callable[[], object], *, once: bool = False, min_run_time: float = 1.0, cpu: bool = False) -> float:
    """Seconds of fn(): the median over ``Timer.blocked_autorange`` blocks (warm), or with ``once`` exactly one
    call (cold: ``Timer.timeit`` would run it twice more as a warm-up). cpu: this process's CPU seconds
    (``time.process_time``) instead of wall seconds. A GPU is synchronized before and after."""
    clock = time.process_time if cpu else time.perf_counter
    if once:
        sync = torch.cuda.synchronize if torch.cuda.is_available() else (lambda: None)
        sync()
        start = clock()
        fn()
        sync()
        return clock() - start
    return Timer(stmt="fn()", globals={"fn": fn}, timer=clock).blocked_autorange(min_run_time=min_run_time).median


def interleaved(cases: dict[K, Callable[[], T]], repeats: int, *, desc: str = "",
                progress: bool = False) -> dict[K, list[T]]:
    """What every case returns in each of ``repeats`` rounds, each round calling every case once, in turn."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    results: dict[K, list[T]] = {k: [] for k in cases}
    for _ in tqdm(range(repeats), desc=desc, disable=not progress, leave=False):
        for key, fn in cases.items():
            results[key].append(fn())
    return results


def interleaved_times(cases: dict[K, Callable[[], object]], repeats: int, *, desc: str = "",
                      progress: bool = False) -> dict[K, list[float]]:
    """CPU seconds per call of every case, ``repeats`` interleaved rounds (after one warm-up call each), each
    round timing a case by ``timed`` over blocks of at least 20 ms."""
    for fn in cases.values():
        fn()
    return interleaved({k: (lambda fn=fn: timed(fn, min_run_time=0.02, cpu=True)) for k, fn in cases.items()},
                       repeats, desc=desc, progress=progress)
