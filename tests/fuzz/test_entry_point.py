"""A few cases through the installed entry point (``python -m msda_theory``): exit 2, one line, no traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import OUTCOMES

ROOT = Path(__file__).parents[2]


def cases(tmp: Path) -> dict[str, list[str]]:
    (tmp / "random.pt").write_bytes(np.random.default_rng(3).bytes(512))
    return {
        "robustness on random bytes": ["robustness", "--checkpoint", str(tmp / "random.pt"), "--json",
                                       str(tmp / "r.json")],
        "weights 20000x20000": ["weights", "--strategy", "mixup", "--size", "20000x20000", "--json",
                                str(tmp / "w.json")],
        "train lr 1e300": ["train", "--model", "linear", "--lr", "1e300", "--out", str(tmp / "run")],
    }


@pytest.mark.parametrize("name", ["robustness on random bytes", "weights 20000x20000", "train lr 1e300"])
def test_entry_point_exits_2_with_one_line(name: str, tmp_path: Path) -> None:
    argv = cases(tmp_path)[name]
    before = sorted(p.name for p in tmp_path.iterdir())
    done = subprocess.run([sys.executable, "-m", "msda_theory", *argv], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    lines = done.stderr.strip().splitlines()
    clean = done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr
    OUTCOMES.append("clean" if clean else ("traceback" if "Traceback" in done.stderr else "other"))
    assert clean, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == before
