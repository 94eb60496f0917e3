"""Small models and data for the attack tests (imported by the tests and conftest)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


@contextmanager
def single_thread() -> Iterator[None]:
    """One intra-op thread inside the block, restored after (tiny tensors on a busy 2-core machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class PoolNet(nn.Module):
    """Any (B, C, H, W) -> (B, K): channel mean, 2x2 adaptive pooling, tanh layer, linear head."""

    def __init__(self, num_classes: int = 3) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.hidden = nn.Linear(4, 8)
        self.head = nn.Linear(8, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.pool(x.mean(dim=1, keepdim=True)).flatten(1) * 3.0  # (B, 4)
        return self.head(torch.tanh(self.hidden(z)))


def blobs(n: int, *, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Three classes of 1x4x4 images in [0, 1]: class k brightens quadrant k, plus noise."""
    y = torch.randint(0, 3, (n,), generator=generator)
    x = 0.35 + 0.12 * torch.randn(n, 1, 4, 4, generator=generator, dtype=dtype)
    for k, (r, c) in enumerate([(0, 0), (0, 2), (2, 0)]):
        x[y == k, :, r:r + 2, c:c + 2] += 0.3
    return x.clamp(0, 1), y
