"""data/items.py, the one home of batching: the same samples, in the same order, from tensors, a loader or a Dataset."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset, TensorDataset

from msda_theory.attacks import evaluate_robustness
from msda_theory.data import items


def _images(n: int = 23) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 3, 3, generator=gen), torch.randint(0, 4, (n,), generator=gen)


class Stream(IterableDataset):
    """An iterable data set without a length."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __iter__(self):
        return iter(zip(self.x, self.y))


@pytest.mark.parametrize("n", [None, 1, 10, 17, 23])
def test_tensors_a_loader_and_a_dataset_give_the_same_first_n_samples(n: int | None) -> None:
    x, y = _images()
    sources = [(x, y, 5), (DataLoader(TensorDataset(x, y), batch_size=7), None, 5), (TensorDataset(x, y), None, 4)]
    for data, labels, batch_size in sources:
        pairs, total = items.batches(data, labels, n, batch_size)
        pairs = list(pairs)
        assert total == (23 if n is None else n)
        assert all(len(xb) for xb, _ in pairs)
        assert torch.equal(torch.cat([xb for xb, _ in pairs]), x[:total])
        assert torch.equal(torch.cat([yb for _, yb in pairs]), y[:total])


def test_a_loader_without_a_length_has_no_known_total() -> None:
    x, y = _images()
    loader = DataLoader(Stream(x, y), batch_size=6)
    pairs, total = items.batches(loader, None, 8, 100)
    assert total is None and torch.equal(torch.cat([xb for xb, _ in pairs]), x[:8])
    assert items.sample_count(loader) is None and items.loader_length(loader) is None


def test_read_all_and_the_counts() -> None:
    x, y = _images()
    loader = DataLoader(TensorDataset(x, y), batch_size=7)
    for data in (loader, TensorDataset(x, y)):
        got_x, got_y = items.read_all(data, "anchor")
        assert torch.equal(got_x, x) and torch.equal(got_y, y)
    assert (items.sample_count(loader), items.loader_length(loader)) == (23, 4)
    assert items.count_classes(loader, []) == int(y.max()) + 1  # no declaration: one pass over the labels
    named = TensorDataset(x, y)
    named.classes = ["a", "b", "c", "d", "e"]  # type: ignore[attr-defined]
    assert items.declared_classes(DataLoader(named)) == 5 == items.count_classes(named, [y])


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ((torch.rand(2, 1, 3, 3), torch.zeros(2, dtype=torch.long), torch.zeros(2)), "evaluation data must give"),
        ((torch.rand(2, 9), torch.zeros(2, dtype=torch.long)), r"evaluation images must be floating tensors"),
        ((torch.rand(2, 1, 3, 3), torch.zeros(2)), "evaluation labels must be integer class indices"),
    ],
)
def test_evaluation_batches_get_the_shared_check(batch: tuple, message: str) -> None:
    """evaluate_robustness's loaders and iterables are checked like training's (before: only "a pair (x, y)")."""
    pairs, _ = items.batches([batch], None, None, 10)
    with pytest.raises(ValueError, match=message):
        list(pairs)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(9, 2))
    with pytest.raises(ValueError, match=message):
        evaluate_robustness(model, [batch], eps_list=[0.0], attack="fgsm")


def test_the_data_package_imports_nothing_above_it() -> None:
    """The layer chart (docs/architecture.md): data/ sits below train/, regularizers/ and attacks/."""
    above = ("train", "attacks", "regularizers", "experiments", "checks", "cli", "figures", "weights", "mix")
    for path in Path(items.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                assert not name.startswith(tuple(f"msda_theory.{a}" for a in above)), f"{path.name} imports {name}"
