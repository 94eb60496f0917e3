"""The task of a run: class selection, binary check, seeded subsets, loading by name."""
import pytest
import torch

from msda_theory.train import TrainConfig, prepare_task
from msda_theory.train.task import select_classes


def test_select_classes_keeps_and_relabels_in_the_given_order():
    x = torch.arange(6.0).reshape(6, 1, 1, 1)
    y = torch.tensor([0, 1, 2, 3, 2, 0])
    xs, ys = select_classes(x, y, (2, 0))
    assert ys.tolist() == [1, 0, 0, 1] and xs.flatten().tolist() == [0.0, 2.0, 4.0, 5.0]


def test_subsets_depend_on_data_seed_only(tiny):
    train, test = tiny
    a = prepare_task(TrainConfig(subset=20, test_subset=10, seed=0), train, test)
    b = prepare_task(TrainConfig(subset=20, test_subset=10, seed=5), train, test)
    c = prepare_task(TrainConfig(subset=20, test_subset=10, data_seed=1), train, test)
    assert a.x_train.shape == (20, 1, 8, 8) and a.x_test.shape == (10, 1, 8, 8)
    assert torch.equal(a.y_train, b.y_train) and not torch.equal(a.x_train, c.x_train)


def test_in_memory_sets_are_checked(tiny):
    bad = type("Bad", (), {"x": torch.rand(3, 8, 8), "y": torch.zeros(3, dtype=torch.long), "num_classes": 2})()
    with pytest.raises(ValueError, match=r"train set x must be a floating tensor \(N, C, H, W\)"):
        prepare_task(TrainConfig(), bad)
    with pytest.raises(ValueError, match=r"classes \(0, 7\) out of range for a data set with 4 classes"):
        prepare_task(TrainConfig(classes=(0, 7)), tiny[0])


def test_loads_digits_by_name():
    pytest.importorskip("sklearn")
    task = prepare_task(TrainConfig(data="digits", subset=50, test_subset=30))
    assert task.in_shape == (1, 8, 8) and task.num_classes == 10 and len(task.y_test) == 30
