"""The command's output: library messages print above live progress bars (never inside one), and ``reproduce``
ends with the rows to read and where its results cache lives."""
from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from tqdm import tqdm

from msda_theory.checks.ledger import Outcome, select
from msda_theory.checks.registry import Measurement
from msda_theory.cli import BarSafeHandler
from msda_theory.cli.cmd_reproduce import closing_lines


def test_a_message_during_a_progress_bar_gets_its_own_line() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("msda_theory.test_output_labels")
    handler = BarSafeHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with tqdm(total=3, desc="claim 9", file=stream, ascii=True) as bar:
            bar.update(1)
            logger.info("[mixup seed 0] epoch 1/3: train loss 0.5000, test accuracy 50.0%")
            bar.update(2)
    finally:
        logger.removeHandler(handler)
    lines = stream.getvalue().replace("\r", "\n").split("\n")
    assert "[mixup seed 0] epoch 1/3: train loss 0.5000, test accuracy 50.0%" in lines  # alone on its line


def test_reproduce_ends_with_the_rows_to_read_and_the_cache() -> None:
    holds, fails, crashed, skipped = select(["1a", "2", "3", "10"])
    outcomes = [Outcome(holds, Measurement("v", "holds", "m", summary="fine"), "", 1.0),
                Outcome(fails, Measurement("long value", "fails", "m", summary="max z 5.06 (threshold 5)"), "", 1.0),
                Outcome(crashed, None, "RuntimeError: boom", 1.0),
                Outcome(skipped, Measurement("skipped: needs Fashion-MNIST", "skipped", ""), "", 0.0)]
    lines = closing_lines(outcomes, Path("results"), "quick")
    assert lines == ["rows to read (see the ledger's section of each):",
                     "  claim 2 fails: max z 5.06 (threshold 5)",
                     "  claim 3 crashed: RuntimeError: boom",
                     "  claim 10 skipped: needs Fashion-MNIST",
                     "cache: results/<experiment>/quick/ (stored results reused by the next run; --rerun recomputes "
                     "them; delete the folder to free the space)"]
    assert closing_lines(outcomes[:1], Path("r"), "evidence")[0].startswith("cache: r/<experiment>/evidence/")
