"""Taylor order of the remainder (section 5) and the first-layer form of R2 (section 7)."""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks, models
from msda_theory.data import load
from msda_theory.experiments.decomposition import TAYLOR_TS, binary_labels
from msda_theory.regularizers import MaskSet, decompose, first_layer_r2, loglog_slope, taylor_scan
from msda_theory.weights import strategy_weights


def digits(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    d = load("digits")
    return d.x[:n].double(), d.y[:n]


def smooth(arch: str, k: int) -> torch.nn.Module:
    torch.manual_seed(0)
    return models.build(arch, (1, 8, 8), k, activation="softplus").double().eval()


@pytest.mark.parametrize("loss, family", [("ce", "cutmix"), ("bce", "gmix")])
def test_taylor_slope_is_three(loss: str, family: str) -> None:
    x, y = digits(6)
    target = y if loss == "ce" else binary_labels(y, 10).double()
    scan = taylor_scan(smooth("mlp", 10 if loss == "ce" else 1), x, target, masks.get(family), TAYLOR_TS, loss=loss,
                       n_masks=4, generator=torch.Generator().manual_seed(0))
    assert set(scan) >= {"t", "remainder", "r1", "r2", "r3", "l_msda", "l_std"}
    assert abs(loglog_slope(scan["t"], scan["remainder"]) - 3.0) <= 0.2


@pytest.mark.slow
@pytest.mark.parametrize("loss", ["ce", "bce"])
@pytest.mark.parametrize("family", list(masks.PAPER_FAMILIES))
def test_taylor_slope_is_three_every_family_cnn(loss: str, family: str) -> None:
    x, y = digits(16)
    target = y if loss == "ce" else binary_labels(y, 10).double()
    scan = taylor_scan(smooth("cnn", 10 if loss == "ce" else 1), x, target, masks.get(family), TAYLOR_TS, loss=loss,
                       n_masks=8, generator=torch.Generator().manual_seed(0))
    assert abs(loglog_slope(scan["t"], scan["remainder"]) - 3.0) <= 0.2


def test_taylor_scan_rejects_bad_scales() -> None:
    x, y = digits(2)
    with pytest.raises(ValueError, match="ts must be a non-empty sequence of positive numbers"):
        taylor_scan(smooth("mlp", 10), x, y, masks.get("mixup"), [0.0, 1.0])


@pytest.mark.parametrize("arch", ["linear", "mlp", "cnn"])
def test_first_layer_form_equals_input_gradient_form(arch: str) -> None:
    x, y = digits(8)
    ms = MaskSet(masks.get("cutmix").sample(16, (8, 8), generator=torch.Generator().manual_seed(0), dtype=torch.float64)[0])
    model = smooth(arch, 10)
    layer_form = first_layer_r2(model, x, y, strategy_weights(ms, (8, 8)), loss="ce")
    gradient_form = decompose(model, x, y, ms, loss="ce", estimator="moment", n_masks=2, generator=torch.Generator().manual_seed(0)).r2
    assert layer_form == pytest.approx(gradient_form, rel=1e-8)


def test_first_layer_needs_a_linear_first_layer() -> None:
    x, y = digits(2)
    model = torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(64, 10)).double()
    with pytest.raises(ValueError, match="first layer is nn.Linear or nn.Conv2d"):
        first_layer_r2(model, x, y, strategy_weights(MaskSet(torch.ones(1, 8, 8, dtype=torch.float64)), (8, 8)))
