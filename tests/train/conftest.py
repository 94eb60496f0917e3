"""Tiny synthetic tasks for the training tests: 1x8x8 images whose class is the brightest quadrant."""
from types import SimpleNamespace

import pytest
import torch


def quadrant_task(n: int, seed: int, num_classes: int = 4) -> SimpleNamespace:
    """x (n, 1, 8, 8) uniform with quadrant y brightened by 0.5; y (n,) in 0..num_classes-1."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(num_classes, (n,), generator=g)
    x = 0.5 * torch.rand(n, 1, 8, 8, generator=g)
    for k in range(num_classes):
        r, c = divmod(k % 4, 2)
        x[y == k, :, 4 * r:4 * r + 4, 4 * c:4 * c + 4] += 0.5
    return SimpleNamespace(x=x, y=y, num_classes=num_classes)


@pytest.fixture(scope="session")
def tiny():
    """(train_set, test_set): 96 and 40 samples of the quadrant task."""
    return quadrant_task(96, 0), quadrant_task(40, 1)
