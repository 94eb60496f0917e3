"""Benchmarks, each a ratio to a floor measured in the same run, and the allocator setting they use.

- ``mix_cost``: ``mix`` against one ``torch.lerp`` and against ``official``, a call with the official
  code's per-call work;
- ``fit_cost``: ``fit`` against a bare training loop doing the same work;
- ``scale``: decompose, exact weights and PGD against their floors (one-thread child processes);
- ``suite``: all of them, the targets and the README table (``msda-theory bench --suite``);
- ``allocator``: glibc's setting for loops that reallocate large buffers, applied by entry points only.

Submodules are imported on use (``from msda_theory.bench.suite import run_suite``). The timer and the
interleaved-rounds loop they share with ``train.cost.epoch_cost`` live below both, in ``msda_theory.timing``.
"""
