"""The project's data sets are torch map-style Datasets: ds[i] == (x[i], y[i]), and a DataLoader batches them."""
import torch
from torch.utils.data import DataLoader

from msda_theory import data


def test_items_and_batches_are_the_tensors():
    ds = data.load("digits", split="test")
    assert isinstance(ds, torch.utils.data.Dataset)
    x, y = ds[5]
    assert torch.equal(x, ds.x[5]) and int(y) == int(ds.y[5]) and x.shape == (1, 8, 8)
    batches = list(DataLoader(ds, batch_size=100))
    assert torch.equal(torch.cat([b[0] for b in batches]), ds.x)
    assert torch.equal(torch.cat([b[1] for b in batches]), ds.y)
