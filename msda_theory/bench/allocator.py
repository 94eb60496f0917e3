"""glibc's allocator setting for runs that free and reallocate large tensors in a loop.

By default glibc serves each buffer above its mmap threshold (at most 32 MB)
with a fresh ``mmap`` and returns it to the system when freed, so a loop that
allocates the same large activations again and again pays a page fault per
4 KiB page every time. In the streamed ``decompose`` (chunks of about 500
images) this was 30 of 73 s of a run (system time, measured with
``/usr/bin/time``), and in the 224 px ``mix`` benchmark it made the medians
jump between two modes. ``steady_allocator`` raises both thresholds so that
freed buffers stay in the heap and are reused: the same run took 50 s with
0.5 s of system time, for a peak RSS 0.17 GB higher (freed memory is kept).

It is a process-wide choice, so the library never makes it: the command line
(``decompose``, ``bench``) and the benchmark processes do.
"""
from __future__ import annotations

MMAP_THRESHOLD = 1 << 30  # bytes: buffers below this come from the heap
TRIM_THRESHOLD = (1 << 31) - 1  # bytes of free heap kept before any is returned


def steady_allocator() -> bool:
    """Ask glibc to serve buffers below 1 GiB from its heap and keep freed memory; whether it took effect.

    Linux with glibc only; elsewhere (musl, macOS, Windows) it does nothing and returns False.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3  # mallopt parameters from <malloc.h>
        return bool(libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)) and bool(libc.mallopt(m_trim_threshold,
                                                                                         TRIM_THRESHOLD))
    except (OSError, AttributeError):
        return False
