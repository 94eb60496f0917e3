"""Data bundled with scikit-learn: the 8x8 digits and the two sample photographs.

These need no download, so ``digits`` is the default data set and the photos
feed the mask illustrations (the paper's Figure 3 analogue).
"""
from __future__ import annotations

import numpy as np
import torch

from ._dataset import Dataset, check_split

DIGITS_TRAIN_SIZE = 1500
"""Samples in the digits train split; the remaining 297 of 1797 form the test split."""

DIGITS_SEED = 0
"""Seed of the fixed permutation that splits digits (``np.random.default_rng(0)``)."""


def load_digits(split: str = "train") -> Dataset:
    """Load scikit-learn's digits as ``x = images / 16``, (N, 1, 8, 8), 10 classes.

    The data has no official split, so a fixed permutation
    ``perm = np.random.default_rng(0).permutation(1797)`` defines one:
    ``perm[:1500]`` is the train split and ``perm[1500:]`` (297 samples) the
    test split. The generator is local; no global state is touched.
    """
    from sklearn.datasets import load_digits as sklearn_digits

    check_split(split)
    bunch = sklearn_digits()
    perm = np.random.default_rng(DIGITS_SEED).permutation(len(bunch.target))
    index = perm[:DIGITS_TRAIN_SIZE] if split == "train" else perm[DIGITS_TRAIN_SIZE:]
    images = bunch.images[index] / 16.0  # (N, 8, 8), values 0..16 -> [0, 1]
    return Dataset(
        x=torch.from_numpy(images).to(torch.float32).unsqueeze(1),
        y=torch.from_numpy(bunch.target[index].astype(np.int64)),
        num_classes=10,
        name="digits",
        split=split,
        classes=tuple(str(k) for k in range(10)),
    )


def load_sample_photos() -> torch.Tensor:
    """Return scikit-learn's photos (china.jpg, flower.jpg) as float32 (2, 3, 427, 640) in [0, 1].

    Computes ``stack(images).permute(0, 3, 1, 2) / 255`` from
    ``sklearn.datasets.load_sample_images()`` (needs pillow).
    """
    from sklearn.datasets import load_sample_images

    photos = np.stack(load_sample_images().images)  # (2, H, W, 3) uint8
    return torch.from_numpy(photos).permute(0, 3, 1, 2).to(torch.float32).div_(255.0).contiguous()
