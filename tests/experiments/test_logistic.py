"""The logistic probe trains through the library's training epoch (train.loop.train_epoch)."""
from __future__ import annotations

import pytest
import torch

from msda_theory import masks
from msda_theory.mix import mix
from msda_theory.experiments.logistic import train_logistic


def _reference(x, y, strategy, *, epochs, generator, batch_size=128, lr=1e-2):
    """A plain loop written from the docstring: Adam on BCE(θᵀx~, y~), one generator for order and masks."""
    sampler = masks.from_spec(strategy)
    theta = torch.zeros(x[0].numel(), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=lr)
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), batch_size):
            index = order[start:start + batch_size]
            xb, yb = x[index], y[index].long()
            if sampler is None:
                target = yb.to(torch.float64)
            else:
                xb, soft, _ = mix(xb, yb, sampler, num_classes=2, mode="elem", pairing="perm", generator=generator)
                target = soft[:, 1]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(xb.flatten(1) @ theta, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return theta.detach()


@pytest.mark.parametrize("strategy", ["none", "mixup", "cutmix", "gmix"])
def test_train_epoch_gives_the_plain_loop_theta(strategy: str) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 1, 6, 6, dtype=torch.float64, generator=g)
    y = (x.sum((1, 2, 3)) + 0.5 * torch.randn(200, dtype=torch.float64, generator=g) > 0).to(torch.float64)
    ours = train_logistic(x, y, strategy, epochs=2, generator=torch.Generator().manual_seed(1))
    ref = _reference(x, y, strategy, epochs=2, generator=torch.Generator().manual_seed(1))
    assert ours.dtype == torch.float64 and ours.shape == (36,)
    assert torch.allclose(ours, ref, rtol=1e-10, atol=1e-12)
    assert float(ours.norm()) > 0


def test_strategy_must_be_a_name() -> None:
    x, y = torch.zeros(4, 1, 2, 2, dtype=torch.float64), torch.tensor([0.0, 1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"strategy must be a mask family name or None, got Mixup"):
        train_logistic(x, y, masks.get("mixup"), epochs=1)
