"""Fixtures of the attack tests: a quickly trained MLP, one thread per test."""
from __future__ import annotations

from typing import Iterator

import pytest
import torch
from attack_models import blobs, single_thread
from torch import nn


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    """Tensors here are tiny: one intra-op thread avoids thread hand-off costs on a busy 2-core machine."""
    with single_thread():
        yield


@pytest.fixture(scope="session")
def trained_mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """(model, x_test (300, 1, 4, 4), y_test (300,)): an MLP trained for 150 Adam steps on blobs."""
    gen = torch.Generator().manual_seed(0)
    x, y = blobs(600, generator=gen)
    x_test, y_test = blobs(300, generator=gen)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    with single_thread():
        for _ in range(150):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    model.zero_grad(set_to_none=True)
    return model.eval(), x_test, y_test

