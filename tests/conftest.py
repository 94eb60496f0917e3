"""Shared test settings: hypothesis profile sized for a 2-core CI machine."""
import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")
settings.register_profile("ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# One torch thread in tests: tiny tensors gain nothing from two, and on a shared
# machine two threads contending with other work slowed some tests twentyfold.
import torch  # noqa: E402

torch.set_num_threads(1)


import pytest  # noqa: E402


@pytest.fixture
def run_cli(capsys):
    """``run_cli(args)``: (exit status, captured output) of ``msda-theory args``; argparse's own exits give their code."""
    from msda_theory.cli import main

    def run(args):
        try:
            status = main(args)
        except SystemExit as exit_:
            status = exit_.code
        return status, capsys.readouterr()

    return run
