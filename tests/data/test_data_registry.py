"""Names, splits, the Dataset record, subsets, digits and the sample photos."""
from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits, load_sample_images

from msda_theory.data import DATASETS, Dataset, available, load, load_sample_photos

VALID = "valid: digits, fashion-mnist, cifar10, cifar100, npz:PATH"


@pytest.fixture(scope="module")
def digits_train() -> Dataset:
    return load("digits")


def test_digits_splits_partition_the_1797_images(digits_train: Dataset) -> None:
    test = load("digits", split="test")
    assert (len(digits_train), len(test)) == (1500, 297)
    for data in (digits_train, test):
        assert data.x.shape[1:] == (1, 8, 8) and data.x.dtype == torch.float32
        assert 0 <= data.x.min() and data.x.max() == 1.0 and data.num_classes == 10
        assert data.classes == tuple("0123456789") and data.y.dtype == torch.int64
    bunch = load_digits()
    ours = torch.cat([digits_train.x, test.x]).flatten(1) * 16  # (1797, 64), values 0..16
    order = np.lexsort(np.c_[bunch.data, bunch.target].T)
    mine = np.lexsort(np.c_[ours.numpy(), torch.cat([digits_train.y, test.y]).numpy()].T)
    assert np.array_equal(ours.numpy()[mine], bunch.data[order])


def test_digits_split_is_fixed(digits_train: Dataset) -> None:
    again = load("digits")
    assert torch.equal(again.x, digits_train.x) and torch.equal(again.y, digits_train.y)


@pytest.mark.parametrize("name", ["mnist", "npz:", "Digits", "cifar-10"])
def test_unknown_name_lists_the_valid_ones(name: str) -> None:
    message = f"unknown data set {name!r}; {VALID}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load(name)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        available(name)


@pytest.mark.parametrize("name", [*DATASETS, "npz:/no/such.npz"])
def test_bad_split_is_refused_for_every_name(name: str) -> None:
    with pytest.raises(ValueError, match=r"^split must be 'train' or 'test', got 'val'$"):
        load(name, split="val")


def test_digits_is_always_available() -> None:
    assert DATASETS == ("digits", "fashion-mnist", "cifar10", "cifar100")
    assert available("digits")


def test_subset_is_a_deterministic_draw_without_replacement(digits_train: Dataset) -> None:
    def draw(seed: int) -> Dataset:
        return digits_train.subset(100, generator=torch.Generator().manual_seed(seed))

    first, again, other = draw(0), draw(0), draw(1)
    assert len(first) == 100 and first.x.shape == (100, 1, 8, 8)
    assert torch.equal(first.x, again.x) and torch.equal(first.y, again.y)
    assert not torch.equal(first.y, other.y)
    index = torch.randperm(1500, generator=torch.Generator().manual_seed(0))[:100]
    assert torch.equal(first.x, digits_train.x[index]) and torch.equal(first.y, digits_train.y[index])
    assert (first.name, first.split, first.num_classes) == ("digits", "train", 10)
    assert len(digits_train) == 1500 and len(digits_train.subset(0)) == 0


@pytest.mark.parametrize("n", [-1, 1501, 2.0, True])
def test_subset_size_is_checked(digits_train: Dataset, n: object) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(f'n must be an integer in 0..1500, got {n!r}')}$"):
        digits_train.subset(n)  # type: ignore[arg-type]


def test_dataset_is_frozen_checked_and_short_to_print(digits_train: Dataset) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits_train.x = digits_train.x  # type: ignore[misc]
    assert repr(digits_train) == (
        "Dataset(name='digits', split='train', n=1500, image_shape=(1, 8, 8), num_classes=10)"
    )
    x, y = torch.zeros(2, 1, 3, 3), torch.zeros(2, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"^x must be a float32 tensor \(N, C, H, W\), got torch.float64 "):
        Dataset(x.double(), y, 1, "t", "train")
    with pytest.raises(ValueError, match=r"^y must be an int64 tensor \(N,\), got torch.int32 with shape \(2,\)$"):
        Dataset(x, y.int(), 1, "t", "train")
    with pytest.raises(ValueError, match=r"^data set 't' holds 2 images but 1 labels$"):
        Dataset(x, y[:1], 1, "t", "train")
    with pytest.raises(ValueError, match=r"^classes has 2 names but num_classes is 1$"):
        Dataset(x, y, 1, "t", "train", ("a", "b"))


def test_sample_photos_are_the_scikit_learn_images() -> None:
    photos = load_sample_photos()
    assert photos.shape == (2, 3, 427, 640) and photos.dtype == torch.float32
    assert 0 <= photos.min() and photos.max() <= 1
    raw = np.stack(load_sample_images().images)  # (2, 427, 640, 3) uint8
    assert torch.equal(photos * 255, torch.from_numpy(raw).permute(0, 3, 1, 2).float())
