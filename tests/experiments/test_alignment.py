"""Gradient alignment of claim 7 (experiments.alignment)."""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks
from msda_theory.models import build
from msda_theory.experiments.alignment import gradient_alignment


def _data(k: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.rand(16, 1, 6, 6, dtype=torch.float64, generator=g), torch.randint(0, k, (16,), generator=g)


@pytest.mark.parametrize("family", ["mixup", "cutmix"])
def test_exact_decomposition_gives_cosine_one(family: str) -> None:
    """Squared loss + affine model: L_msda = L_std + R1 + R2 + R3 for every draw (claim 4), so the two
    parameter gradients are equal and the cosine is 1 in every jackknife replicate; had any term's
    dependence on the parameters been dropped (e.g. J δ detached), they would differ."""
    with torch.random.fork_rng():
        torch.manual_seed(2)
        model = build("linear", (1, 6, 6), 3).double()
    x, y = _data(3)
    out = gradient_alignment(model, x, y, masks.get(family), n_masks=4, groups=4, loss="mse",
                             generator=torch.Generator().manual_seed(1))
    assert out["cosine"] == pytest.approx(1.0, abs=1e-12)
    assert out["cosine_se"] < 1e-8


def test_nonlinear_model_is_below_one_and_reproducible() -> None:
    """A tanh CNN with cross-entropy has a Taylor remainder, so the cosine is < 1; the same generator gives the
    same value."""
    with torch.random.fork_rng():
        torch.manual_seed(3)
        model = build("cnn", (1, 6, 6), 3, activation="tanh").double()
    for p in model.parameters():
        p.data.mul_(4.0)  # far from the nearly constant initial network
    x, y = _data(3)
    run = [gradient_alignment(model, x, y, masks.get("cutmix"), n_masks=4, groups=4,
                              generator=torch.Generator().manual_seed(1)) for _ in range(2)]
    assert run[0] == run[1]
    assert -1.0 <= run[0]["cosine"] < 1.0 - 1e-6


def test_input_errors() -> None:
    model, (x, y) = build("linear", (1, 6, 6), 3).double(), _data(3)
    with pytest.raises(ValueError, match=r"need at least 2 groups and one image per group, got 20 groups for 16"):
        gradient_alignment(model, x, y, masks.get("mixup"), n_masks=2, groups=20, generator=torch.Generator())
    with pytest.raises(ValueError, match=r"n_masks must be a positive integer, got 0"):
        gradient_alignment(model, x, y, masks.get("mixup"), n_masks=0, generator=torch.Generator())
