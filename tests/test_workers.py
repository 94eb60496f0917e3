"""Worker processes leave Ctrl-C to their parent, never outlive it, and can be stopped at once."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from msda_theory import workers

psutil = pytest.importorskip("psutil")

# The module alone, without the package (whose import loads torch): a child starts in a fraction of the time.
IMPORT = ("import importlib.util as u; spec = u.spec_from_file_location('workers', {path!r}); "
          "workers = u.module_from_spec(spec); spec.loader.exec_module(workers)").format(path=workers.__file__)
BLOCKED = "import signal; print(signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))"

# A parent that starts a worker following it, prints the worker's pid, then waits to be killed.
TREE = """
import subprocess, sys, time
code = ("import os, sys, time; " + sys.argv[1] + "; workers.follow_parent(os.getppid()); "
        "print('following', flush=True); time.sleep(120)")
child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
assert child.stdout.readline().strip() == "following"
print(child.pid, flush=True)
time.sleep(120)
"""


def gone(pid: int, within: float) -> bool:
    """True when process ``pid`` has exited (or is a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def test_a_worker_exits_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", TREE, IMPORT], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(parent.stdout.readline())
        assert not gone(worker, within=4 * workers.POLL_SECONDS)  # it waits while the parent lives
        parent.kill()
        parent.wait()
        assert gone(worker, within=10 * workers.POLL_SECONDS)
    finally:
        parent.kill()
        parent.wait()


def test_follow_parent_leaves_a_process_that_is_not_the_parents_child_alone() -> None:
    before = {t.name for t in threading.enumerate()}
    workers.follow_parent(os.getpid())  # this process is not its own child: no watchdog, no exit
    assert "msda-follow-parent" not in {t.name for t in threading.enumerate()} - before


def test_processes_started_inside_the_block_do_not_receive_ctrl_c() -> None:
    with workers.parent_handles_ctrl_c():
        inside = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True, check=True)
    outside = subprocess.run([sys.executable, "-c", BLOCKED], capture_output=True, text=True, check=True)
    assert (inside.stdout.strip(), outside.stdout.strip()) == ("True", "False")


def test_a_ctrl_c_during_the_block_still_interrupts_this_process() -> None:
    """The block holds SIGINT back from the processes started in it, not from this one (another thread,
    which does not block it, takes the signal and Python raises KeyboardInterrupt in the main thread)."""
    code = f"""
import os, signal, threading, time
{IMPORT}
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()  # as torch's threads in a command
try:
    with workers.parent_handles_ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.5)
    print("not interrupted", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "interrupted", done.stderr


def test_results_come_back_in_submission_order() -> None:
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(pow, 2, k) for k in (3, 1, 2)]
        assert workers.results(futures) == [8, 2, 4]


def test_stop_kills_running_workers_without_waiting_for_them() -> None:
    pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    future = pool.submit(time.sleep, 60)
    while not future.running():
        time.sleep(0.05)
    processes = list(pool._processes.values())
    started = time.monotonic()
    workers.stop(pool)
    assert time.monotonic() - started < 15
    # by pid, not is_alive(): the pool's own thread may reap a killed worker first, after which is_alive() cannot tell

    def gone(pid: int) -> bool:
        try:
            return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    assert processes and all(gone(p.pid) for p in processes)
