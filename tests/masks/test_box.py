"""The CutMix box (masks/box.py): the NumPy, one-box and torch forms agree (style point 8)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from msda_theory.masks.box import box_bounds, box_inside, box_interval, cut_length, interval_indicator


@given(h=st.integers(1, 40), w=st.integers(1, 40), n=st.integers(2, 9), seed=st.integers(0, 2**31))
def test_one_box_arithmetic_equals_the_array_form_and_the_torch_twin(h: int, w: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    side = rng.random(n) ** rng.choice([0.5, 1.0, 4.0])  # includes sides near 0 and near 1
    u = rng.random((n, 2))
    u[0] = np.nextafter(1.0, 0.0)  # the largest uniform: floor(u L) must be clamped to L - 1
    many = box_bounds(side, (h, w), u)  # NumPy arrays, n >= 2
    ones = np.concatenate([box_bounds(side[k:k + 1], (h, w), u[k:k + 1]) for k in range(n)])  # Python numbers
    assert np.array_equal(many, ones)
    s = torch.from_numpy(side)
    top, bottom = box_interval(torch.from_numpy(np.minimum((u[:, 0] * h).astype(np.int64), h - 1)), cut_length(h, s), h)
    left, right = box_interval(torch.from_numpy(np.minimum((u[:, 1] * w).astype(np.int64), w - 1)), cut_length(w, s), w)
    assert np.array_equal(many, torch.stack([top, bottom, left, right], 1).numpy())
    inside = interval_indicator(top, bottom, h)[:, :, None] & interval_indicator(left, right, w)[:, None, :]
    assert np.array_equal(box_inside(many, (h, w)), inside.numpy())


@pytest.mark.parametrize("n", [0, 1, 3])
def test_box_inside_has_one_mask_per_box(n: int) -> None:
    bounds = np.array([[1, 3, 0, 2]] * n, dtype=np.int64).reshape(n, 4)
    inside = box_inside(bounds, (4, 5))
    assert inside.shape == (n, 4, 5) and inside.dtype == bool
    assert all(int(m.sum()) == 4 and bool(m[1:3, 0:2].all()) for m in inside)
