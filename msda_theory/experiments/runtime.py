"""Thread count for the small models of the experiments.

The experiments in ``small`` train models of a few thousand parameters on batches of 64 images;
torch's intra-op threads gain nothing there, and on a busy 2-core machine
they cost a lot (measured: one digits CNN run took 70 s with 2 threads while
other processes ran, 1.4 s with 1 thread). They therefore
run inside ``torch_threads(1)``, which restores the previous
setting on exit.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch


@contextmanager
def torch_threads(n: int = 1) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)``; restore the previous count afterwards."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    previous = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
