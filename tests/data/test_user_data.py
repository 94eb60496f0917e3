"""--data package.module:name: a Dataset object, a zero-argument callable or a Dataset class; clear refusals."""
from __future__ import annotations

import sys

import pytest
import torch

from msda_theory.data.user import is_user_data, user_dataset

MODULE = """
import torch
from torch.utils.data import Dataset, TensorDataset

class Squares(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return torch.full((1, 4, 4), i / 6.0), i % 3

READY = TensorDataset(torch.zeros(5, 1, 4, 4), torch.arange(5))

def make():
    return Squares()

def empty():
    return TensorDataset(torch.zeros(0, 1, 4, 4), torch.zeros(0, dtype=torch.long))

def needs(split):
    return Squares()

def a_list_of_numbers():
    return 3

NUMBER = 7

class Flat(Squares):
    def __getitem__(self, i):
        return torch.zeros(16), 0

class Broken(Squares):
    def __getitem__(self, i):
        raise KeyError(i)
"""


@pytest.fixture()
def module(tmp_path, monkeypatch) -> str:
    (tmp_path / "ud_user_data.py").write_text(MODULE)
    monkeypatch.chdir(tmp_path)  # found in the current folder, no sys.path entry
    monkeypatch.delitem(sys.modules, "ud_user_data", raising=False)
    return "ud_user_data"


@pytest.mark.parametrize(("name", "length"), [("make", 6), ("Squares", 6), ("READY", 5)])
def test_a_callable_a_class_or_the_dataset_itself(module, name, length):
    dataset = user_dataset(f"{module}:{name}")
    assert len(dataset) == length and isinstance(dataset[1][0], torch.Tensor)


@pytest.mark.parametrize(("name", "message"), [
    ("empty", r"^--data 'ud_user_data:empty' gave an empty data set$"),
    ("needs", r"^calling --data 'ud_user_data:needs' with no arguments raised TypeError: needs\(\) missing 1"),
    ("a_list_of_numbers", r"^--data 'ud_user_data:a_list_of_numbers' gave int, not a map-style Dataset"),
    ("NUMBER", r"^--data 'ud_user_data:NUMBER' names int, not a Dataset or a callable returning one$"),
    ("Flat", r"^--data 'ud_user_data:Flat' gives items \(16,\), not \(x \(C, H, W\) floating tensor, label\)$"),
    ("Broken", r"^reading item 0 of --data 'ud_user_data:Broken' raised KeyError: 0$"),
])
def test_what_is_not_a_dataset_is_refused(module, name, message):
    with pytest.raises(ValueError, match=message):
        user_dataset(f"{module}:{name}")


@pytest.mark.parametrize(("text", "expected"), [
    ("mydata:make", True), ("pkg.mod:Cls", True), ("npz:file", False), ("npz:/tmp/x.npz", False),
    ("digits", False), ("fashion-mnist", False), ("cifar10", False), (None, False),
])
def test_user_data_is_told_apart_from_names_and_npz_files(text, expected):
    assert is_user_data(text) is expected
