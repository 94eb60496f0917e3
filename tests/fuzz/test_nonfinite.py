"""NaN and inf are refused with their cause named, never turned into NaN terms, weights or accuracies.

decompose (NaN pixel, inf pixel, NaN label row, a model whose output is NaN, a mask law that draws
NaN masks, float16 images for a float64 model), evaluate_robustness (NaN-output model, NaN pixel
whole and streamed) and the weights (a law returning NaN masks, exact and Monte Carlo); and the
CLI's one line for a checkpoint whose weights are NaN.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from torch import nn

import crafted
from conftest import assert_clean_error, run_cli, snapshot
from msda_theory import masks
from msda_theory.attacks import evaluate_robustness
from msda_theory.regularizers import decompose
from msda_theory.weights import MaskSet, pair_weights, strategy_weights

BAD = (3, 7, 11, 20)  # the inputs a NaNWhereNegative model answers with NaN


class NaNWhereNegative(nn.Module):
    """A linear model (float64) whose output row is NaN for every image with a negative first pixel."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(64, 4).double()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.linear(x.flatten(1))
        return torch.where(x.flatten(1)[:, :1] < 0, torch.nan, out)


class NaNMasks:
    """A mask law drawing masks 1/2 with a NaN at pixel (1, 2) of every mask."""

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        mask = torch.full((n, *size), 0.5, dtype=dtype, device=device)
        mask[:, 1, 2] = torch.nan
        return mask, torch.full((n,), 0.5, dtype=dtype, device=device)


def images(n: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    return torch.rand(n, 1, 8, 8, generator=generator, dtype=torch.float64), torch.arange(n) % 4


def decompose_direct(model: nn.Module, x: torch.Tensor, y: torch.Tensor, sampler=None, **options):
    return decompose(model, x, y, sampler or masks.get("mixup"), estimator="direct", n_masks=2,
                     generator=torch.Generator().manual_seed(0), **options)


# ------------------------------------------------------------------ decompose


@pytest.mark.parametrize("value, where, count", [(math.nan, [(0, 0, 5, 7)], 1),
                                                 (math.inf, [(2, 0, 1, 3), (9, 0, 0, 0)], 2)])
def test_decompose_refuses_a_non_finite_pixel(value: float, where: list[tuple[int, ...]], count: int) -> None:
    x, y = images()
    for index in where:
        x[index] = value
    s = "s" if count > 1 else ""
    message = f"x holds {count} non-finite value{s} (NaN or inf); first at index {where[0]}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        decompose_direct(NaNWhereNegative(), x, y)


def test_decompose_refuses_a_nan_label_row() -> None:
    x, y = images()
    rows = torch.nn.functional.one_hot(y, 4).double()
    rows[6, 1] = torch.nan
    with pytest.raises(ValueError, match=re.escape("y holds 1 non-finite value (NaN or inf); first at index (6, 1)")):
        decompose_direct(NaNWhereNegative(), x, rows)


@pytest.mark.parametrize("estimator", ["moment", "direct"])
def test_decompose_refuses_a_model_whose_output_is_nan(estimator: str) -> None:
    x, y = images()
    x[list(BAD), 0, 0, 0] = -1.0
    message = f"the model's output holds NaN for {len(BAD)} of 32 inputs (first: x[{BAD[0]}])"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        decompose(NaNWhereNegative(), x, y, masks.get("mixup"), estimator=estimator, n_masks=2,
                  generator=torch.Generator().manual_seed(0))


def test_decompose_names_the_chunk_holding_a_nan_output() -> None:
    """A budget of one evaluation per call streams the anchors one at a time."""
    x, y = images()
    x[20, 0, 0, 0] = -1.0
    message = "the model's output holds NaN for 1 of the 1 inputs x[20:21] (first: x[20])"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        decompose_direct(NaNWhereNegative(), x, y, memory_budget=1)


def test_decompose_refuses_a_mask_law_drawing_nan() -> None:
    x, y = images()
    with pytest.raises(ValueError, match=r"^the sampler's output holds 64 non-finite values \(NaN or inf\); "
                                         r"first at index \(0, 1, 2\)$"):
        decompose_direct(NaNWhereNegative(), x, y, NaNMasks())  # 2 draws x 32 anchors, one NaN each


def test_decompose_names_both_dtypes_when_x_and_the_model_differ() -> None:
    x, y = images()
    message = ("x is torch.float16 but the model's parameters are torch.float64; "
               "pass x.to(torch.float64) or convert the model")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        decompose_direct(NaNWhereNegative(), x.half(), y)


# ------------------------------------------------------------------ evaluate_robustness


def test_evaluate_robustness_refuses_a_model_whose_output_is_nan() -> None:
    x, y = images()
    model = NaNWhereNegative()
    model.linear.bias.data[:] = torch.nan  # every output NaN: argmax would still "predict" class 0
    message = "the model's output holds NaN for 32 of 32 inputs (first: x[0])"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        evaluate_robustness(model, x, y, [0.0, 0.1], attack="fgsm")


def test_evaluate_robustness_refuses_a_nan_pixel_before_the_bounds() -> None:
    x, y = images()
    x[5, 0, 2, 2] = torch.nan
    message = "x holds 1 non-finite value (NaN or inf); first at index (5, 0, 2, 2)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        evaluate_robustness(NaNWhereNegative(), x, y, [0.1], attack="fgsm")


def test_evaluate_robustness_names_the_batch_holding_a_nan_pixel() -> None:
    x, y = images()
    x[13, 0, 2, 2] = torch.inf
    message = "x holds 1 non-finite value (NaN or inf) in the batch x[8:16]; first at index (13, 0, 2, 2)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        evaluate_robustness(NaNWhereNegative(), x, y, [0.1], attack="fgsm", batch_size=8)


# ------------------------------------------------------------------ weights


def test_monte_carlo_weights_refuse_a_law_drawing_nan_masks() -> None:
    message = "the sampler's output holds 100 non-finite values (NaN or inf); first at index (0, 1, 2)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        pair_weights(NaNMasks(), (4, 4), method="mc", n_samples=100)


def test_strategy_weights_refuse_a_law_drawing_nan_masks() -> None:
    message = "the mask set holds 10 non-finite values (NaN or inf); first at index (0, 1, 2)"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        strategy_weights(NaNMasks(), (4, 4), method="mc", n_masks=10)


def test_a_mask_set_with_nan_is_refused() -> None:
    masks_ = torch.zeros(3, 4, 4, dtype=torch.float64)
    masks_[2, 3, 0] = torch.nan
    with pytest.raises(ValueError, match=re.escape("the mask set holds 1 non-finite value (NaN or inf); "
                                                   "first at index (2, 3, 0)")):
        MaskSet(masks_)


# ------------------------------------------------------------------ the CLI on a checkpoint with NaN weights


def nan_weights(run: Path, folder: Path) -> Path:
    """The run's checkpoint alone, every weight NaN."""
    return crafted._edited(run, folder, lambda s: s.update(model={k: torch.full_like(v, torch.nan)
                                                                 for k, v in s["model"].items()}))


@pytest.mark.parametrize("command", [
    ["robustness", "--n", "4", "--preset", "quick"],
    ["decompose", "--quiet", "--model", "linear", "--subset", "4", "--n-masks", "2"],
])
def test_the_cli_names_a_nan_output_in_one_line(command: list[str], trained_run: Path, tmp_path: Path) -> None:
    folder = nan_weights(trained_run, tmp_path / "inputs" / "nan")
    before = snapshot(tmp_path)
    result = run_cli([*command, "--checkpoint", str(folder), "--json", str(tmp_path / "out.json")])
    assert_clean_error(result, before, snapshot(tmp_path), "the model's output holds NaN for 4 of 4 inputs")
