"""evaluate_robustness takes tensors, a DataLoader or a Dataset, and a (mean, std) preprocessing."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from msda_theory.attacks import evaluate_robustness


class PairsDataset(Dataset):
    """A user's own map-style Dataset of (x, y) pairs."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[i], self.y[i]


def test_loader_and_dataset_give_the_tensor_result(trained_mlp) -> None:
    model, x, y = trained_mlp
    reference = evaluate_robustness(model, x, y, [0, 0.05, 0.1], attack="fgsm", n=250, batch_size=64)
    loader = DataLoader(TensorDataset(x, y), batch_size=37)  # batches that do not divide n
    from_loader = evaluate_robustness(model, loader, eps_list=[0, 0.05, 0.1], attack="fgsm", n=250)
    from_dataset = evaluate_robustness(model, PairsDataset(x, y), eps_list=[0, 0.05, 0.1], attack="fgsm", n=250,
                                       batch_size=50)
    for result in (from_loader, from_dataset):
        assert result["n"] == 250 and result["correct"] == reference["correct"]


def test_preprocessing_equals_normalizing_inside_the_model(trained_mlp) -> None:
    """Attacking model∘normalize in pixel space == attacking a model that normalizes itself (FGSM is deterministic)."""
    model, x, y = trained_mlp
    mean, std = [0.3], [0.5]
    inner = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    torch.manual_seed(0)
    inner[1].weight.data.normal_()
    own = lambda v: inner((v - 0.3) / 0.5)  # noqa: E731
    wrapped = type("Own", (nn.Module,), {"forward": lambda self, v: own(v)})()
    reference = evaluate_robustness(wrapped, x, y, [0, 0.1], attack="fgsm")
    result = evaluate_robustness(inner, x, y, [0, 0.1], attack="fgsm", preprocessing=(mean, std))
    assert result["correct"] == reference["correct"]


def test_per_image_flags_sum_to_the_counts(trained_mlp) -> None:
    model, x, y = trained_mlp
    result = evaluate_robustness(model, x, y, [0, 0.1], attack="pgd", n=100, per_image=True,
                                 generator=torch.Generator().manual_seed(0))
    flags = result["correct_per_image"]
    assert [len(f) for f in flags] == [100, 100]
    assert [sum(f) for f in flags] == result["correct"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": "loader-with-y"}, "y must be None when the data are a DataLoader"),
        ({"x": "tensor-without-y"}, "y is required when x is a tensor"),
        ({"preprocessing": ([0.1, 0.2], [1.0])}, "preprocessing must be"),
        ({"preprocessing": ([0.1], [0.0])}, "std must be > 0"),
        ({"eps_list": None}, "eps_list must hold at least one radius"),
    ],
)
def test_bad_sources_are_refused(trained_mlp, kwargs: dict, message: str) -> None:
    model, x, y = trained_mlp
    args = {"x": x, "y": y, "eps_list": [0.1], "preprocessing": None}
    args.update(kwargs)
    if args["x"] == "loader-with-y":
        args["x"] = DataLoader(TensorDataset(x, y), batch_size=10)
    elif isinstance(args["x"], str):
        args["x"], args["y"] = x, None
    with pytest.raises(ValueError, match=message):
        evaluate_robustness(model, args["x"], args["y"], args["eps_list"], attack="fgsm",
                            preprocessing=args["preprocessing"])
