"""User data sets from ``npz:PATH`` files."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from msda_theory.data import available, load


def save(path: Path, **arrays_: Any) -> str:
    """Save arrays to ``path`` and return the data set name ``npz:PATH``."""
    np.savez(path, **arrays_)
    return f"npz:{path}"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("npz")


@given(images=arrays(np.uint8, st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 5))),
       labels=st.lists(st.integers(0, 6), min_size=4, max_size=4))
def test_uint8_3d_round_trips(folder: Path, images: np.ndarray, labels: list[int]) -> None:
    y = np.array(labels[: len(images)], dtype=np.int32)
    data = load(save(folder / "u8.npz", x=images, y=y))
    assert data.x.dtype == torch.float32 and data.x.shape == (len(images), 1, *images.shape[1:])
    assert torch.equal(data.x * 255, torch.from_numpy(images).float().unsqueeze(1))
    assert data.y.dtype == torch.int64 and torch.equal(data.y, torch.from_numpy(y).long())
    assert data.num_classes == int(y.max()) + 1 and data.classes is None


@given(images=arrays(np.float32, (3, 2, 4, 4), elements=st.floats(0, 1, width=32)))
def test_float_4d_passes_through_exactly(folder: Path, images: np.ndarray) -> None:
    data = load(save(folder / "f32.npz", x=images, y=np.array([0, 2, 1])))
    assert data.x.shape == (3, 2, 4, 4) and torch.equal(data.x, torch.from_numpy(images))


def test_test_split_and_num_classes_over_both_splits(tmp_path: Path) -> None:
    name = save(tmp_path / "both.npz", x=np.zeros((2, 3, 3), np.uint8), y=np.array([0, 1]),
                x_test=np.ones((3, 3, 3), np.float64), y_test=np.array([4, 0, 1]))
    train, test = load(name), load(name, split="test")
    assert train.num_classes == test.num_classes == 5
    assert (len(train), len(test), test.split, test.name) == (2, 3, "test", name)
    assert torch.equal(test.x, torch.ones(3, 1, 3, 3))


def bad_file(path: Path, case: str) -> str:
    """Save an npz broken one way; return the expected message."""
    x, y = np.zeros((2, 4, 4), np.uint8), np.array([0, 1])
    if case == "range":
        np.savez(path, x=np.full((2, 4, 4), 1.5), y=y)
        return f"x in {path} has values outside [0, 1] (min 1.5, max 1.5); rescale it or store uint8"
    if case == "nan":
        bad = np.full((2, 4, 4), 0.5, np.float32)
        bad[1, 2, 3], bad[1, 3, 0] = np.nan, -np.inf
        np.savez(path, x=bad, y=y)
        return f"x in {path} holds 2 non-finite values (NaN or inf); first at index (1, 2, 3)"
    if case == "int x":
        np.savez(path, x=x.astype(np.int64), y=y)
        return f"x in {path} must be uint8 or float, got int64"
    if case == "ndim":
        np.savez(path, x=np.zeros((2, 16), np.uint8), y=y)
        return f"x in {path} must have shape (N, H, W) or (N, C, H, W), got (2, 16)"
    if case == "float y":
        np.savez(path, x=x, y=y.astype(np.float32))
        return f"y in {path} must be integer labels (N,), got float32 (2,)"
    if case == "negative":
        np.savez(path, x=x, y=np.array([-1, 1]))
        return f"label -1 out of range in y in {path} (expected 0..1)"
    if case == "count":
        np.savez(path, x=x, y=np.array([0, 1, 1]))
        return f"npz file {path} holds 2 images but 3 labels"
    if case == "empty":
        np.savez(path, x=x[:0], y=y[:0])
        return f"npz file {path} holds no samples in 'y'"
    if case == "no y":
        np.savez(path, x=x, labels=y)
        return f"npz file {path} has no 'y' array (it holds: labels, x)"
    np.savez(path, x=x, y=np.array([None, 1], dtype=object))  # case == "pickle"
    return f"cannot read npz file {path}: Object arrays cannot be loaded when allow_pickle=False"


@pytest.mark.parametrize("case", ["range", "nan", "int x", "ndim", "float y", "negative", "count",
                                  "empty", "no y", "pickle"])
def test_bad_npz_files_raise_one_line_messages(tmp_path: Path, case: str) -> None:
    path = tmp_path / "bad.npz"
    message = bad_file(path, case)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load(f"npz:{path}")


def test_test_split_needs_test_arrays(tmp_path: Path) -> None:
    name = save(tmp_path / "train_only.npz", x=np.zeros((1, 2, 2), np.uint8), y=np.array([0]))
    message = f"npz file {tmp_path / 'train_only.npz'} has no 'x_test' array (it holds: x, y)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load(name, split="test")


def test_missing_or_foreign_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.npz"
    message = (f"npz data set not found (tried: {missing}); pass npz:PATH naming a .npz file "
               "with arrays x (N, H, W) or (N, C, H, W) and y (N,)")
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(message)}$"):
        load(f"npz:{missing}")
    assert not available(f"npz:{missing}")
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    assert available(f"npz:{single}")
    message = f"cannot read npz file {single}: it holds a single array, not an npz archive of x and y"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load(f"npz:{single}")


def test_images_of_zero_size_are_refused(tmp_path) -> None:
    """Found by the generated fuzz test: an npz whose x is (1, 0, 0) loaded as a data set of empty images."""
    path = tmp_path / "empty.npz"
    np.savez(path, x=np.zeros((1, 0, 0), np.uint8), y=np.zeros(1, np.int64))
    with pytest.raises(ValueError, match=r"must have C, H, W >= 1, got shape \(1, 0, 0\)"):
        load(f"npz:{path}")
