"""The weights figures run at their quick size."""
from __future__ import annotations

from pathlib import Path

from msda_theory.figures import FigureContext, all_figures


def test_quick_figures(tmp_path: Path) -> None:
    figures = {f.name: f for f in all_figures()}
    for name in ("apq_profiles", "hmix_r_sweep", "gmix_profile"):
        paths = figures[name].func(FigureContext(out_dir=tmp_path, quick=True))
        assert all(p.exists() for p in paths)
