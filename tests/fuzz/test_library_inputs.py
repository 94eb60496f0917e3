"""Library inputs of issue 10 that must fail cleanly or give valid results: a user sampler out of range or
shape (mix), a huge Beta parameter (weights in log space), a detached model (decompose)."""
from __future__ import annotations

import math

import pytest
import torch

from msda_theory import masks
from msda_theory.mix import mix
from msda_theory.regularizers import decompose
from msda_theory.weights import pair_weights

class FixedSampler:
    """A user sampler returning constant masks of ``value`` with the given shape (default (n, H, W))."""

    def __init__(self, value: float, shape: tuple[int, ...] | None = None) -> None:
        self.value, self.shape = value, shape

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        mask = torch.full(self.shape or (n, *size), self.value, dtype=dtype)
        return mask, mask.reshape(len(mask), -1).mean(1)


def test_a_sampler_with_mask_values_outside_0_1_is_refused() -> None:
    x, y = torch.rand(4, 1, 8, 8), torch.arange(4)
    with pytest.raises(ValueError, match=r"mask"):
        mix(x, y, FixedSampler(2.0), num_classes=4)


def test_a_sampler_with_the_wrong_mask_shape_is_refused() -> None:
    x, y = torch.rand(4, 1, 8, 8), torch.arange(4)
    with pytest.raises(ValueError, match=r"mask"):
        mix(x, y, FixedSampler(0.5, (1, 3, 3)), num_classes=4)


def test_decompose_refuses_a_model_without_an_input_gradient() -> None:
    linear = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 4)).double()

    class Detached(torch.nn.Module):
        def forward(self, x):
            return linear(x).detach()

    with pytest.raises(ValueError, match=r"gradient"):
        decompose(Detached(), torch.rand(4, 1, 8, 8, dtype=torch.float64), torch.arange(4), masks.get("mixup"),
                  weights="mc", n_masks=4, generator=torch.Generator().manual_seed(0))


def test_exact_weights_at_a_huge_alpha_are_finite() -> None:
    result = pair_weights(masks.get("cutmix", alpha=1000.0), (4, 4), method="exact")
    assert all(math.isfinite(v) for v in result.a_p.flatten().tolist())
