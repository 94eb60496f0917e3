"""Claim 7's scale figure: explained(t) per family at the trained models, t* in the legend and the saved data."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from msda_theory.figures.fig_decomposition import explained_by_scale_figure, plot_explained_by_scale  # noqa: E402
from msda_theory.figures.registry import FigureContext  # noqa: E402

TS = [0.05, 0.2, 1.0]


def run(family: str, alpha: float, explained: list[float]) -> dict[str, Any]:
    return {"family": family, "alpha": alpha, "data": "digits", "n_eval": 8, "n_masks": 2,
            "rows": [{"epoch": 0, "explained": 1.0}, {"epoch": 1, "explained": explained[-1]}],
            "t_scan": {"trained": {"t": TS, "explained": explained, "explained_se": [0.01] * 3}}}


RUNS = (run("mixup", 1.0, [0.99, 0.9, 0.4]), run("cutmix", 1.0, [0.5, 0.6, 0.7]), run("mixup", 0.5, [1.0, 1.0, 0.9]))


@dataclass(frozen=True)
class Stored(FigureContext):
    runs: tuple[dict[str, Any], ...] = ()

    def results(self, experiment: str) -> list[dict[str, Any]]:
        assert experiment == "tracking"
        return list(self.runs)


def test_scale_plot_draws_each_alpha_1_family_with_its_t_star() -> None:
    fig, ax = plt.subplots()
    t_stars = plot_explained_by_scale(list(RUNS), ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(fig)
    assert t_stars == {"mixup": 0.2, "cutmix": None}
    assert sorted(labels) == ["before training (t = 1)", "cutmix (t* < 0.05)", "mixup (t* = 0.2)"]


def test_scale_figure_saves_png_pdf_and_the_t_stars(tmp_path: Path) -> None:
    paths = explained_by_scale_figure(Stored(out_dir=tmp_path, runs=RUNS))
    assert [p.suffix for p in paths] == [".png", ".pdf", ".json"] and all(p.stat().st_size > 0 for p in paths)
    assert json.loads(paths[2].read_text())["data"]["t_star"] == {"mixup": 0.2, "cutmix": None}
