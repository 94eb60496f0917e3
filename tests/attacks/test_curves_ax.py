"""plot_robustness_curves draws into the caller's Axes and returns the Figure."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from msda_theory.attacks import plot_robustness_curves  # noqa: E402


def result(attack: str, norm: str, strategy: str, acc: list[float]) -> dict:
    eps = [0.0, 0.1, 0.2][: len(acc)]
    return {"attack": attack, "norm": norm, "eps": eps, "accuracy": acc, "ci_low": [a - 0.05 for a in acc],
            "ci_high": [a + 0.05 for a in acc], "config": {"strategy": strategy}}


def test_draws_into_the_given_axes_and_returns_their_figure(tmp_path) -> None:
    fig, (left, right) = plt.subplots(1, 2)
    results = [result("pgd", "linf", "none", [0.9, 0.5]), result("fgsm", "l2", "mixup", [0.9, 0.7, 0.4])]
    assert plot_robustness_curves(results, ax=[left, right]) is fig
    assert left.get_title() == "FGSM, l2" and right.get_title() == "PGD, linf"  # panels in sorted order
    assert list(left.lines[0].get_ydata()) == [0.9, 0.7, 0.4]
    assert not list(tmp_path.iterdir())  # no path: nothing written
    one, ax = plt.subplots()
    assert plot_robustness_curves(results[:1], tmp_path / "one.png", ax=ax) is one
    assert (tmp_path / "one.png").stat().st_size > 1000 and (tmp_path / "one.json").exists()
    plt.close("all")


def test_without_ax_a_new_figure_is_returned() -> None:
    fig = plot_robustness_curves([result("fgsm", "linf", "none", [0.8, 0.6])])
    assert isinstance(fig, Figure) and len(fig.axes) == 1 and fig.axes[0].get_legend() is not None


def test_wrong_number_of_axes_is_one_clear_error() -> None:
    fig, ax = plt.subplots()
    results = [result("pgd", "linf", "none", [0.9, 0.5]), result("fgsm", "l2", "none", [0.9, 0.4])]
    with pytest.raises(ValueError, match=r"ax must be one matplotlib Axes per \(attack, norm\) panel: these results "
                                         r"have 2, got 1"):
        plot_robustness_curves(results, ax=ax)
    plt.close("all")
