"""fit on a DataLoader records the batch size the loader used, not the config's (which a loader ignores)."""
from __future__ import annotations

import pytest
import torch
from torch.utils.data import BatchSampler, DataLoader, SequentialSampler, TensorDataset

from msda_theory.train import TrainConfig, fit
from msda_theory.train.origin import loader_batch_size

CONFIG = TrainConfig(model="linear", epochs=1, batch_size=128, strategy="mixup", seed=0)


def pairs(n: int = 24) -> TensorDataset:
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.rand(n, 1, 4, 4, generator=g), torch.randint(3, (n,), generator=g))


class Halves:
    """A batch sampler stating no batch size: the first half, then the rest."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        yield list(range(self.n // 2))
        yield list(range(self.n // 2, self.n))

    def __len__(self) -> int:
        return 2


def test_the_loaders_batch_size_is_recorded() -> None:
    result = fit(CONFIG, None, train_data=DataLoader(pairs(), batch_size=5), progress=False)
    assert result.config.batch_size == 5 and result.metrics["config"]["batch_size"] == 5
    sampled = DataLoader(pairs(), batch_sampler=BatchSampler(SequentialSampler(range(24)), 6, drop_last=False))
    assert loader_batch_size(sampled) == 6
    assert fit(CONFIG, None, train_data=sampled, progress=False).config.batch_size == 6


def test_a_loader_without_a_stated_batch_size_keeps_the_config_with_a_warning() -> None:
    loader = DataLoader(pairs(), batch_sampler=Halves(24))
    assert loader_batch_size(loader) is None
    with pytest.warns(UserWarning, match="the training DataLoader states no batch size .*batch_size 128 was not used"):
        result = fit(CONFIG, None, train_data=loader, progress=False)
    assert result.config.batch_size == 128
