"""The sanity checks flag what they claim to flag (style point 11)."""
from __future__ import annotations

import torch
from torch import nn

from msda_theory.attacks import evaluate_robustness, looks_like_probabilities
from msda_theory.attacks.sanity import SanityTally


def _linear(seed: int = 0) -> nn.Sequential:
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Sequential(nn.Flatten(), nn.Linear(16, 3))


def _data(n: int = 40) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 4, 4, generator=gen), torch.randint(0, 3, (n,), generator=gen)


def test_softmax_output_is_flagged_and_logits_pass() -> None:
    x, y = _data()
    soft = evaluate_robustness(nn.Sequential(_linear(), nn.Softmax(dim=1)), x, y, [0, 0.05], attack="fgsm")
    assert soft["sanity"]["output_is_logits"] is False and not soft["sanity"]["passed"]
    assert any("probabilities" in f for f in soft["sanity"]["failures"])
    for model in (_linear(), nn.Sequential(_linear(), nn.LogSoftmax(dim=1))):
        ok = evaluate_robustness(model, x, y, [0, 0.05], attack="fgsm")["sanity"]
        assert ok["output_is_logits"] is True and ok["passed"], ok


def test_probability_detection_on_raw_outputs() -> None:
    assert looks_like_probabilities(torch.tensor([[0.2, 0.8], [1.0, 0.0]]))
    assert not looks_like_probabilities(torch.tensor([[0.2, 0.7], [1.0, 0.0]]))  # a row sums to 0.9
    assert not looks_like_probabilities(torch.tensor([[-0.2, 1.2]]))
    assert looks_like_probabilities(torch.tensor([0.1, 0.9]))  # one sigmoid output per sample
    assert not looks_like_probabilities(torch.tensor([[-3.0], [2.0]]))  # one logit per sample


class DeadRegion(nn.Module):
    """f(x) = w * relu(sum(x) - c) + v: zero input gradient wherever sum(x) < c."""

    def __init__(self, c: float) -> None:
        super().__init__()
        self.c = c
        self.w = nn.Parameter(torch.tensor([1.0, -1.0, 0.5]))
        self.v = nn.Parameter(torch.tensor([0.0, 0.3, -0.2]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x.flatten(1).sum(1, keepdim=True) - self.c) * self.w + self.v  # (B, 3)


def test_zero_gradient_share_counts_the_dead_relu_region() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(50, 1, 4, 4, generator=gen)
    x[:20] *= 0.1  # sum(x) <= 1.6 < c for these 20: dead
    y = torch.randint(0, 3, (50,), generator=gen)
    c = 4.0
    assert (x[:20].flatten(1).sum(1) < c).all() and (x[20:].flatten(1).sum(1) > c + 0.5).all()
    for attack in ("fgsm", "pgd"):
        result = evaluate_robustness(DeadRegion(c), x, y, [0, 0.01], attack=attack, random_start=False)
        assert result["sanity"]["zero_gradient_share"] == [None, 20 / 50]
        assert any("zero input gradients" in w for w in result["sanity"]["warnings"])


def test_tally_flags_perturbations_outside_the_ball_and_bounds() -> None:
    x = torch.full((3, 1, 2, 2), 0.5)
    tally = SanityTally(eps=[0.1], norm="linf")
    tally.add_clean(torch.tensor([[3.0, -1.0]] * 3))
    tally.add_attack(0, x, x + 0.2, torch.zeros(3, dtype=torch.bool), (0.0, 1.0))
    report = tally.report(3, [0.5], None)
    assert report["perturbation_within_eps"] is False and report["adversarial_within_bounds"] is True
    tally.add_attack(0, x, x * 0 + 1.5, torch.zeros(3, dtype=torch.bool), (0.0, 1.0))
    assert tally.report(3, [0.5], None)["adversarial_within_bounds"] is False


def test_tally_flags_pgd_weaker_than_fgsm() -> None:
    tally = SanityTally(eps=[0.0, 0.1], norm="l2")
    tally.add_clean(torch.tensor([[3.0, -1.0]]))
    report = tally.report(1000, [0.9, 0.62], [0.9, 0.6])  # tolerance max(0.01, 1 / 1000) = 0.01
    assert report["pgd_at_least_fgsm"] is False and not report["passed"]
    assert tally.report(1000, [0.9, 0.605], [0.9, 0.6])["pgd_at_least_fgsm"] is True
    assert tally.report(1000, [0.9, 0.62], None)["pgd_at_least_fgsm"] is None
