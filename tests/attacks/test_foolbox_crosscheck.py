"""Cross-check against an independent implementation: Foolbox 3 (no torchvision needed), in float64.

Foolbox's FGM/FGSM and L2/Linf PGD without random start are deterministic, so the
adversarial examples must agree to rounding. The loss is the same cross-entropy
(Foolbox averages over the batch; the sign and the L2 direction are unaffected).
"""
from __future__ import annotations

import pytest
import torch
from torch import nn

from msda_theory.attacks import fgsm, pgd

fb = pytest.importorskip("foolbox")


@pytest.fixture(scope="module")
def model_and_data() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4)).double().eval()
    x = torch.rand(32, 3, 2, 2, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 4, (32,), generator=gen)
    return model, x, y


def _foolbox(attack, model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    fmodel = fb.PyTorchModel(model, bounds=(0.0, 1.0))
    return attack.run(fmodel, x, y, epsilon=eps)


@pytest.mark.parametrize("norm,eps", [("linf", 0.03), ("linf", 0.2), ("l2", 0.1), ("l2", 0.8)])
def test_fgsm_matches_foolbox(model_and_data, norm: str, eps: float) -> None:
    model, x, y = model_and_data
    reference = fb.attacks.LinfFastGradientAttack() if norm == "linf" else fb.attacks.L2FastGradientAttack()
    expected = _foolbox(reference, model, x, y, eps)
    torch.testing.assert_close(fgsm(model, x, y, eps, norm=norm), expected, atol=1e-12, rtol=0)


@pytest.mark.parametrize("norm,eps", [("linf", 0.05), ("l2", 0.5)])
def test_pgd_from_x_matches_foolbox(model_and_data, norm: str, eps: float) -> None:
    model, x, y = model_and_data
    steps, alpha = 7, 2.5 * eps / 7
    kind = fb.attacks.LinfPGD if norm == "linf" else fb.attacks.L2PGD
    expected = _foolbox(kind(abs_stepsize=alpha, steps=steps, random_start=False), model, x, y, eps)
    ours = pgd(model, x, y, eps, steps=steps, step_size=alpha, norm=norm, random_start=False)
    torch.testing.assert_close(ours, expected, atol=1e-10, rtol=0)
    assert not torch.equal(ours, x)
