"""PGD: at least as strong as FGSM, reproducible from its generator, restarts keep the worst point."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from msda_theory.attacks import evaluate_robustness, fgsm, pgd
from msda_theory.attacks.sanity import pgd_fgsm_tolerance


def _accuracy(model, x, y) -> float:
    with torch.no_grad():
        return (model(x).argmax(1) == y).double().mean().item()


@pytest.mark.parametrize("norm,eps", [("linf", 0.05), ("linf", 0.1), ("l2", 0.2), ("l2", 0.4)])
def test_pgd_is_at_least_as_strong_as_fgsm(trained_mlp, norm, eps) -> None:
    # From a random start PGD-10 may end a few samples short of FGSM's one full step (l2, eps = 0.4 here:
    # 3 of 300), hence the sanity check's tolerance; started at x, or with restarts, it is no weaker.
    model, x, y = trained_mlp
    assert _accuracy(model, x, y) > 0.9
    acc_fgsm = _accuracy(model, fgsm(model, x, y, eps, norm=norm), y)
    assert acc_fgsm < _accuracy(model, x, y)
    acc_pgd = _accuracy(model, pgd(model, x, y, eps, norm=norm, generator=torch.Generator().manual_seed(0)), y)
    assert acc_pgd <= acc_fgsm + pgd_fgsm_tolerance(len(y)) + 1e-12
    acc_from_x = _accuracy(model, pgd(model, x, y, eps, norm=norm, random_start=False), y)
    acc_restarts = _accuracy(model, pgd(model, x, y, eps, norm=norm, restarts=3,
                                        generator=torch.Generator().manual_seed(0)), y)
    assert max(acc_from_x, acc_restarts) <= acc_fgsm


def test_evaluation_reports_pgd_at_least_fgsm(trained_mlp) -> None:
    model, x, y = trained_mlp
    result = evaluate_robustness(model, x, y, [0, 0.05, 0.1], attack="pgd", generator=torch.Generator().manual_seed(0))
    sanity = result["sanity"]
    assert sanity["pgd_at_least_fgsm"] is True and sanity["passed"], sanity
    assert all(a <= f + sanity["pgd_fgsm_tolerance"] for a, f in zip(result["accuracy"], sanity["fgsm_accuracy"]))


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_same_generator_same_result(trained_mlp, norm) -> None:
    model, x, y = trained_mlp
    run = lambda seed: pgd(model, x, y, 0.1, steps=3, norm=norm, restarts=2,  # noqa: E731
                           generator=torch.Generator().manual_seed(seed))
    assert torch.equal(run(5), run(5))
    assert not torch.equal(run(5), run(6))


def test_one_step_without_random_start_is_fgsm(trained_mlp) -> None:
    model, x, y = trained_mlp
    for norm in ("linf", "l2"):
        one = pgd(model, x, y, 0.1, steps=1, step_size=0.1, random_start=False, norm=norm)
        torch.testing.assert_close(one, fgsm(model, x, y, 0.1, norm=norm), atol=0, rtol=0)


def test_restarts_keep_the_worst_point_per_sample(trained_mlp) -> None:
    # Restart 1 of a 3-restart run draws what a 1-restart run with the same seed draws, so the kept point
    # is misclassified wherever that one is, and where both agree on correctness its loss is no lower.
    model, x, y = trained_mlp
    single = pgd(model, x, y, 0.08, steps=2, generator=torch.Generator().manual_seed(0))
    multi = pgd(model, x, y, 0.08, steps=2, restarts=3, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out_single, out_multi = model(single), model(multi)
    wrong_single, wrong_multi = out_single.argmax(1) != y, out_multi.argmax(1) != y
    assert (wrong_multi | ~wrong_single).all()
    same = wrong_single == wrong_multi
    loss_single = F.cross_entropy(out_single, y, reduction="none")
    loss_multi = F.cross_entropy(out_multi, y, reduction="none")
    assert (loss_multi[same] >= loss_single[same] - 1e-6).all()
    assert not torch.equal(single, multi)


def test_default_step_size_is_two_and_a_half_eps_over_steps(trained_mlp) -> None:
    model, x, y = trained_mlp
    auto = pgd(model, x, y, 0.1, steps=4, random_start=False)
    explicit = pgd(model, x, y, 0.1, steps=4, step_size=2.5 * 0.1 / 4, random_start=False)
    assert torch.equal(auto, explicit)


def test_binary_single_logit_model_uses_bce() -> None:
    # BCE gradient points along -s * w for f = w^T x: PGD from x stays on the segment towards the worst case.
    w = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3, 1, bias=False)).double()
    with torch.no_grad():
        model[1].weight.copy_(w[None])
    x = torch.zeros(2, 1, 3, dtype=torch.float64)
    y = torch.tensor([1, 0])
    x_adv = pgd(model, x, y, 0.3, steps=5, random_start=False, norm="l2", bounds=(-math.inf, math.inf))
    s = torch.tensor([1.0, -1.0], dtype=torch.float64)
    torch.testing.assert_close(x_adv.flatten(1), -0.3 * s[:, None] * w / w.norm(), atol=1e-12, rtol=0)


def _reference_pgd(model, x, y, eps, steps, alpha, norm):
    """Slow twin: one sample at a time, plain autograd, explicit projections, float64."""
    out = []
    for xi, yi in zip(x, y):
        z = xi.clone()
        for _ in range(steps):
            z = z.detach().requires_grad_(True)
            loss = F.cross_entropy(model(z[None]), yi[None])
            (g,) = torch.autograd.grad(loss, z)
            step = g.sign() if norm == "linf" else g / g.norm()
            delta = z.detach() + alpha * step - xi
            if norm == "linf":
                delta = torch.maximum(torch.minimum(delta, torch.full_like(delta, eps)), torch.full_like(delta, -eps))
            elif delta.norm() > eps:
                delta = delta * (eps / delta.norm())
            z = torch.minimum(torch.maximum(xi + delta, torch.zeros_like(xi)), torch.ones_like(xi))
        out.append(z.detach())
    return torch.stack(out)


@pytest.mark.parametrize("norm,eps", [("linf", 0.1), ("l2", 0.4)])
def test_pgd_matches_a_per_sample_reference(norm, eps) -> None:
    gen = torch.Generator().manual_seed(2)
    with torch.random.fork_rng():
        torch.manual_seed(2)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                    torch.nn.Linear(8, 3)).double()
    x = torch.rand(12, 2, 2, 2, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (12,), generator=gen)
    ours = pgd(model, x, y, eps, steps=5, norm=norm, random_start=False)
    torch.testing.assert_close(ours, _reference_pgd(model, x, y, eps, 5, 2.5 * eps / 5, norm), atol=1e-12, rtol=0)
