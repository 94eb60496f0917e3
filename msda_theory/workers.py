"""Worker processes that leave Ctrl-C to their parent and never outlive it.

The sweep (joblib's loky workers) and ``experiments.collect`` (a spawn
``ProcessPoolExecutor``) start local worker processes. Three rules keep an
interrupted or killed run clean:

- ``parent_handles_ctrl_c()``: workers are started with SIGINT blocked (the
  mask is inherited through fork and exec), so a Ctrl-C, which the terminal
  sends to the whole process group, reaches only the parent; the parent stops
  the workers and prints one line. A Ctrl-C pressed while the workers start
  still interrupts the parent: the kernel hands it to a thread that does not
  block it, or holds it until the block ends.
- ``follow_parent(parent)``, run in each worker: a daemon thread polls
  ``os.getppid()`` every ``POLL_SECONDS`` and ends the worker (``os._exit``)
  once the parent is gone, e.g. after ``kill -9``; tqdm gets a thread lock
  (a worker draws no bar across processes, and a semaphore held by a killed
  worker makes Python's resource tracker warn on the terminal).
- ``stop(pool)``: cancel what has not started and terminate the running
  workers (a ``ProcessPoolExecutor`` would otherwise wait for them). A
  killed worker runs no ``finally`` block: the writers' staging files it may
  leave are removed when the run resumes (``train.checkpoint``).
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterator, Sequence

POLL_SECONDS = 0.5
"""How often a worker checks that its parent is alive (seconds)."""

_followed: int | None = None  # the parent this worker process already follows


@contextlib.contextmanager
def parent_handles_ctrl_c() -> Iterator[None]:
    """Block SIGINT in this thread for the body: processes started in it inherit the blocked signal.

    The process itself is still interrupted: a SIGINT goes to another thread of it (Python then raises
    KeyboardInterrupt in the main thread) or, in a single-threaded process, stays pending until the body ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives Python's KeyboardInterrupt
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _watch(parent: int) -> None:
    """Poll until ``parent`` is no longer this process's parent, then end the process at once."""
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def follow_parent(parent: int) -> None:
    """Make this worker exit when process ``parent`` dies; a no-op outside a direct child of ``parent``.

    Call it in the worker (an executor's initializer, or the start of each job: it acts once per process).
    A remote worker (dask, ray) or the parent itself (``jobs=1`` runs in-process) is left alone.
    """
    global _followed
    if _followed == parent or os.getppid() != parent:
        return
    _followed = parent
    threading.Thread(target=_watch, args=(parent,), name="msda-follow-parent", daemon=True).start()
    from tqdm import tqdm

    tqdm.set_lock(threading.RLock())


def in_worker(parent: int, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``func(*args, **kwargs)`` after ``follow_parent(parent)``: wrap a joblib job with it."""
    follow_parent(parent)
    return func(*args, **kwargs)


def results(futures: Sequence[Future]) -> list[Any]:
    """The futures' results in order, waiting in ``POLL_SECONDS`` slices.

    An untimed wait could miss Ctrl-C: the signal may be delivered to another thread (torch's, say)
    while the main thread sleeps in the wait, and Python handles it only when that wait returns.
    """
    for future in futures:
        while not future.done():
            wait([future], timeout=POLL_SECONDS)
    return [future.result() for future in futures]


def stop(pool: ProcessPoolExecutor) -> None:
    """Cancel the pool's pending work and kill its running workers (the pool then counts itself broken)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=10)


__all__ = ["POLL_SECONDS", "follow_parent", "in_worker", "parent_handles_ctrl_c", "results", "stop"]
