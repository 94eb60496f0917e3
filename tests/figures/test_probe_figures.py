"""The probe figures' helpers: spectra with their spread over seeds and integer bins, titles that mention
attacks only where there are attacks, the task legend off the bars, and ax= with the Figure returned."""
from __future__ import annotations

import math
import statistics

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from msda_theory.figures.fig_probes import (  # noqa: E402
    _title, plot_first_layer_spectra, plot_task_dependence, spectra_by_strategy,
)


def units() -> list[dict]:
    """Three seeds of two strategies with made-up spectra over 5 bins, each normalized to 1."""
    rng = np.random.default_rng(0)
    out = []
    for strategy in ("none", "mixup"):
        for seed in range(3):
            raw = rng.uniform(0.5, 1.5, 5)
            out.append({"strategy": strategy, "seed": seed, "data": "digits", "n_train": 100, "n_eval": 50,
                        "config_train": {"model": "mlp"}, "first_layer": {"spectrum": list(raw / raw.sum())}})
    return out


def test_spectra_carry_the_standard_error_over_seeds_and_its_ratio_to_vanilla() -> None:
    us = units()
    got = spectra_by_strategy(us)
    mixup = [u["first_layer"]["spectrum"][2] for u in us if u["strategy"] == "mixup"]
    none = [u["first_layer"]["spectrum"][2] for u in us if u["strategy"] == "none"]
    se = statistics.stdev(mixup) / math.sqrt(3)
    assert got["mixup"]["mean"][2] == pytest.approx(statistics.fmean(mixup))
    assert got["mixup"]["se"][2] == pytest.approx(se)
    ratio = statistics.fmean(mixup) / statistics.fmean(none)
    se_none = statistics.stdev(none) / math.sqrt(3)
    want = ratio * math.hypot(se / statistics.fmean(mixup), se_none / statistics.fmean(none))
    assert got["mixup"]["ratio"][2] == pytest.approx(ratio) and got["mixup"]["ratio_se"][2] == pytest.approx(want)
    assert got["none"]["ratio"][2] == 1.0 and got["none"]["ratio_se"][2] == pytest.approx(se_none / statistics.fmean(none))


def test_spectra_figure_draws_bands_integer_bins_into_given_axes_without_an_attack_title() -> None:
    fig, axes = plt.subplots(1, 2)
    assert plot_first_layer_spectra(units(), ax=axes) is fig
    for ax in axes:
        assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 2  # one band per strategy
        ticks = ax.get_xticks()
        assert np.allclose(ticks, np.round(ticks))
    assert "attacked" not in fig._suptitle.get_text() and "3 seeds" in fig._suptitle.get_text()
    plt.close(fig)
    with pytest.raises(ValueError, match="ax must be two matplotlib Axes \\(left and right panel\\), got 1"):
        plot_first_layer_spectra(units(), ax=[axes[0]])


def test_titles_mention_attacks_only_when_asked() -> None:
    assert _title(units()) == "digits, n_train = 100, 3 seeds"
    assert _title(units(), attacked=True) == "digits, n_train = 100, 3 seeds, n_test = 50 attacked"


def task_result(strategies: list[str]) -> dict:
    accuracy = {s: {"mean": 0.95, "low": 0.9, "high": 1.0} for s in strategies}
    return {"tasks": {"local": {"accuracy": accuracy, "per_seed": {s: [0.93, 0.97] for s in strategies}},
                      "global": {"accuracy": accuracy, "per_seed": {s: [0.93, 0.97] for s in strategies}}},
            "prediction": {"local": "mixup > cutmix", "global": "cutmix > mixup"}, "size": 8, "n_train": 10,
            "n_test": 10, "seeds": [0, 1]}


def test_task_legend_does_not_cover_the_bars() -> None:
    fig, data = plot_task_dependence(task_result(["mixup", "cutmix", "hmix", "gmix"]),
                                     {**task_result(["mixup", "cutmix"]), "objective": "L_std + R2 (moment form)"})
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend, frame = ax.get_legend().get_window_extent(renderer), ax.get_window_extent(renderer)
        for bar in ax.patches:  # the visible part of each bar: clipped to the axes (the y axis starts at 0.4)
            shown = Bbox.intersection(bar.get_window_extent(renderer), frame)
            assert shown is None or not legend.overlaps(shown)
    assert set(data) == {"mixing", "mechanism"}
    plt.close(fig)
