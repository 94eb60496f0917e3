"""plot_mask_examples draws into the caller's 2 x k grid of Axes and returns the Figure; lam = mean(M) as shown."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from msda_theory.figures.fig_masks import plot_mask_examples  # noqa: E402


def test_masks_drawn_into_given_axes_with_the_shown_ratio() -> None:
    fig, grid = plt.subplots(2, 4)
    got, shown = plot_mask_examples(strategies=["mixup", "cutmix"], downsample=8, ax=grid)
    assert got is fig and set(shown) == {"mixup", "cutmix"}
    for k, name in enumerate(["mixup", "cutmix"], start=2):
        mask = np.asarray(grid[1, k].images[0].get_array())
        assert mask.mean() == pytest.approx(shown[name], abs=1e-6)  # the ratio in the title is mean(M) of the mask shown
        assert f"{shown[name]:.3f}" in grid[0, k].get_title()
    plt.close(fig)


def test_a_grid_of_the_wrong_shape_is_one_clear_error() -> None:
    fig, row = plt.subplots(1, 4)
    with pytest.raises(ValueError, match=r"ax must be a 2 x 4 grid of matplotlib Axes \(images above, masks below\), "
                                         r"got shape \(4,\)"):
        plot_mask_examples(strategies=["mixup", "cutmix"], downsample=8, ax=row)
    plt.close(fig)
