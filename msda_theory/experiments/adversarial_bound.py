"""Second-order MSDA loss versus second-order adversarial loss for logistic regression (claim 10).

docs/theory.md section 8 (Zhang et al., Theorem 3.1, extended to masks). For
f(x) = θᵀx, h(z) = log(1 + e^z), l = h(f) − y f, and a perturbation δ:

    l(x + δ) = l(x) + (h'(f) − y) θᵀδ + ½ h''(f) (θᵀδ)² + O(‖δ‖³).

Over the ℓ2 ball ‖δ‖ ≤ ε both terms are largest at δ = ε sign(h' − y) θ/‖θ‖
(h'' ≥ 0), so the second-order adversarial loss is

    L_adv2(ε) = L_std + ε (1/n) Σ_i |h'(f_i) − y_i| ‖θ‖ + (ε²/2) (1/n) Σ_i h''(f_i) ‖θ‖².

The second-order MSDA loss is L_std + R1 + R2 (R3 = 0: f is linear) with the
masked weights a, A (docs/theory.md section 4):

    R1 = (1/n) Σ_i (h'_i − y_i) θᵀ(a ⊙ (μ − x_i)),
    R2 = (1/2n) Σ_i h''_i θᵀ(A ⊙ C_i)θ,   C_i = Σ + (μ − x_i)(μ − x_i)ᵀ,
       = (1/2n) Σ_i h''_i [θᵀ(A ⊙ Σ)θ + (θ ⊙ v_i)ᵀ A (θ ⊙ v_i)],  v_i = μ − x_i.

Radius. Zhang et al.: ε = ε_mix √d, ε_mix = R · c_x · E_D~[1 − λ],
R = min_i |cos(θ, x_i)|, c_x = min_i ‖x_i‖ / √d. Masked analogue used here (no
published constant): the same formula with E_D~[1 − λ] = ā = mean_p a_p (exact,
since λ = mean(M)). The theorem also assumes θ classifies every training point
correctly; ``bound_terms`` reports the share that is.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

from msda_theory.weights.result import broadcast_a_p, broadcast_a_pq


def _check(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    flat = x.flatten(1).to(torch.float64)
    if theta.shape != (flat.shape[1],) or y.shape != (flat.shape[0],):
        raise ValueError(f"theta must be (d,) and y (n,) for x (n, d), got {tuple(theta.shape)}, "
                         f"{tuple(y.shape)}, {tuple(flat.shape)}")
    return flat


def standard_loss(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> float:
    """L_std = (1/n) Σ_i [log(1 + e^{f_i}) − y_i f_i], f_i = θᵀx_i."""
    f = _check(theta, x, y) @ theta.to(torch.float64)
    return float(torch.nn.functional.binary_cross_entropy_with_logits(f, y.to(torch.float64)))


def adversarial_loss_2nd(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, eps: float) -> float:
    """L_std + ε (1/n)Σ|σ(f_i) − y_i| ‖θ‖ + (ε²/2)(1/n)Σ σ(f_i)(1 − σ(f_i)) ‖θ‖² (ℓ2 radius ε)."""
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")
    theta = theta.to(torch.float64)
    s = torch.sigmoid(_check(theta, x, y) @ theta)
    norm = float(theta.norm())
    first = float((s - y).abs().mean()) * norm
    second = float((s * (1 - s)).mean()) * norm**2
    return standard_loss(theta, x, y) + eps * first + 0.5 * eps**2 * second


def msda_regularizers(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, a_p: torch.Tensor,
                      a_pq: torch.Tensor) -> tuple[float, float]:
    """(R1, R2) of the logistic model θ for pixel weights a_p (HW,), a_pq (HW, HW), x (n, C, H, W)."""
    flat = _check(theta, x, y)
    channels = x.shape[1]
    theta = theta.to(torch.float64)
    a = broadcast_a_p(a_p.to(torch.float64), channels)  # (d,), shared by channels
    big_a = broadcast_a_pq(a_pq.to(torch.float64), channels)  # (d, d)
    s = torch.sigmoid(flat @ theta)
    v = flat.mean(0) - flat  # (n, d): μ − x_i
    sigma = v.T @ v / len(y)  # Σ = (1/n) Σ_i v_i v_iᵀ (d, d); mean_i v_i = 0
    r1 = float(((s - y) * (v @ (a * theta))).mean())
    tv = v * theta  # (n, d): θ ⊙ v_i
    quad = theta @ (big_a * sigma) @ theta + ((tv @ big_a) * tv).sum(1)  # (n,)
    r2 = float(0.5 * (s * (1 - s) * quad).mean())
    return r1, r2


def adversarial_loss_exact(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, eps: float) -> float:
    """The exact ℓ2 adversarial logistic loss of a linear model (no input bounds):

    max_{‖δ‖ ≤ ε} ℓ(θᵀ(x_i + δ), y_i) = log(1 + exp(−s_i θᵀx_i + ε ‖θ‖)),  s_i = 2 y_i − 1, averaged over i.
    """
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps!r}")
    theta = theta.to(torch.float64)
    f = _check(theta, x, y) @ theta
    sign = 2 * y.to(torch.float64) - 1
    return float(torch.nn.functional.softplus(-sign * f + eps * theta.norm()).mean())


def equal_radius(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, budget: float) -> float:
    """The ε ≥ 0 at which the exact adversarial loss reaches ``budget`` (increasing in ε; bisection to 1e-10
    relative); 0 if the clean loss already exceeds it."""
    if adversarial_loss_exact(theta, x, y, 0.0) >= budget:
        return 0.0
    low, high = 0.0, 1.0
    while adversarial_loss_exact(theta, x, y, high) < budget:
        low, high = high, 2 * high
    while high - low > 1e-10 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if adversarial_loss_exact(theta, x, y, mid) < budget else (low, mid)
    return (low + high) / 2


def zhang_radius(theta: torch.Tensor, x: torch.Tensor, mean_shift: float) -> dict[str, float]:
    """ε = R c_x ā √d with R = min_i |cos(θ, x_i)|, c_x = min_i ‖x_i‖/√d, ā = E_D~[1 − λ]."""
    flat = x.flatten(1).to(torch.float64)
    theta = theta.to(torch.float64)
    norms = flat.norm(dim=1)
    cos = (flat @ theta).abs() / (norms * theta.norm()).clamp_min(1e-300)
    d = flat.shape[1]
    r, c_x = float(cos.min()), float(norms.min()) / math.sqrt(d)
    return {"R": r, "c_x": c_x, "mean_shift": mean_shift, "eps": r * c_x * mean_shift * math.sqrt(d),
            "median_cos": float(cos.median()),
            "eps_typical": float(cos.median()) * float(norms.median()) * mean_shift}


def largest_radius(l_std: float, first: float, second: float, budget: float) -> float:
    """The largest ε ≥ 0 with ε·first + ε²/2·second ≤ budget − l_std (0 if none, inf if unbounded)."""
    room = budget - l_std
    if room < 0:
        return 0.0
    if second <= 0:
        return math.inf if first <= 0 else room / first
    return (-first + math.sqrt(first**2 + 2 * second * room)) / second


@dataclass(frozen=True)
class BoundTerms:
    """Both second-order losses of one model and strategy, the radius and the margin L_msda2 − L_adv2."""

    l_std: float
    r1: float
    r2: float
    l_msda2: float
    l_adv2: float
    eps: float
    R: float
    c_x: float
    mean_shift: float
    margin: float
    eps_max: float
    correct_share: float
    eps_typical: float
    margin_typical: float
    l_adv_exact: float
    margin_exact: float
    eps_equal: float
    median_norm: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def bound_terms(theta: torch.Tensor, x: torch.Tensor, y: torch.Tensor, a_p: torch.Tensor,
                a_pq: torch.Tensor) -> BoundTerms:
    """L_msda2 = L_std + R1 + R2 versus L_adv2(ε) at Zhang's radius with ā = mean(a_p); margin = L_msda2 − L_adv2.

    Also: the exact ℓ2 adversarial loss at Zhang's radius and its margin, the radius ε_equal at which the
    exact adversarial loss reaches L_msda2, the median ‖x_i‖ (the scale of ε);
    margin_typical at ε_typ = median|cos(θ, x_i)| · median‖x_i‖ · ā, and ε_max solving L_adv2(ε) = L_msda2.
    """
    theta = theta.to(torch.float64)
    l_std = standard_loss(theta, x, y)
    r1, r2 = msda_regularizers(theta, x, y, a_p, a_pq)
    rad = zhang_radius(theta, x, float(a_p.mean()))
    l_adv = adversarial_loss_2nd(theta, x, y, rad["eps"])
    s = torch.sigmoid(x.flatten(1).to(torch.float64) @ theta)
    first = float((s - y).abs().mean() * theta.norm())
    second = float((s * (1 - s)).mean() * theta.norm() ** 2)
    correct = float((((s > 0.5).to(torch.float64)) == y).to(torch.float64).mean())
    l_msda = l_std + r1 + r2
    typical = l_msda - adversarial_loss_2nd(theta, x, y, rad["eps_typical"])
    exact = adversarial_loss_exact(theta, x, y, rad["eps"])
    return BoundTerms(l_std, r1, r2, l_msda, l_adv, rad["eps"], rad["R"], rad["c_x"], rad["mean_shift"],
                      l_msda - l_adv, largest_radius(l_std, first, second, l_msda), correct, rad["eps_typical"], typical,
                      exact, l_msda - exact, equal_radius(theta, x, y, l_msda),
                      float(x.flatten(1).to(torch.float64).norm(dim=1).median()))


def bound_probe(*, data: str = "fashion-mnist", classes: tuple[int, int] = (2, 4), n_train: int | None = 2000,
                n_test: int | None = 1000, epochs: int = 10, seeds: tuple[int, ...] = (0, 1),
                strategies: tuple[str, ...] = ("none", "mixup", "cutmix", "hmix", "gmix"), gmix_samples: int = 10000,
                root: str | None = None) -> dict[str, Any]:
    """Train logistic regression with each strategy and seed; report both second-order losses and the margin.

    The MSDA loss of a model trained with s is evaluated with s's own weights a, A;
    the vanilla model is evaluated with Mixup's (its R1 + R2 have no own mask law).
    Also returns the generalization quantities of ``generalization.linear_generalization``.
    """
    from msda_theory.experiments.generalization import linear_generalization
    from msda_theory.experiments.logistic import accuracy, binary_task, train_logistic
    from msda_theory.weights import pair_weights

    task = binary_task(data, classes, n_train=n_train, n_test=n_test, root=root)
    size = tuple(task.x.shape[-2:])
    weights = {s: pair_weights(s, size, method="quick", n_masks=gmix_samples,
                               generator=torch.Generator().manual_seed(1)) for s in strategies if s != "none"}
    out: dict[str, Any] = {"terms": {}, "classes": list(classes), "n_train": len(task.y), "n_test": len(task.y_test),
                           "epochs": epochs, "seeds": list(seeds)}
    thetas, train_acc, test_acc = {}, {}, {}
    for s in strategies:
        w = weights.get(s, weights.get("mixup"))
        thetas[s] = [train_logistic(task.x, task.y, s, epochs=epochs,
                                    generator=torch.Generator().manual_seed(seed)) for seed in seeds]
        out["terms"][s] = [bound_terms(t, task.x, task.y, w.a_p, w.a_pq).as_dict() for t in thetas[s]]
        train_acc[s] = [accuracy(t, task.x, task.y) for t in thetas[s]]
        test_acc[s] = [accuracy(t, task.x_test, task.y_test) for t in thetas[s]]
    out["generalization"] = linear_generalization(thetas, {s: w.a_pq for s, w in weights.items()}, task.x,
                                                  train_acc, test_acc)
    out["train_accuracy"], out["test_accuracy"] = train_acc, test_acc
    return out


def subset_draw(x: torch.Tensor, y: torch.Tensor, n: int, *,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """n points of (x (N, C, H, W), y (N,)) drawn without replacement, re-centred by the subset's own mean
    (the theorem assumes centred training data); returns (x_sub (n, C, H, W), y_sub (n,))."""
    if not 2 <= n <= len(y):
        raise ValueError(f"subset size must be in [2, {len(y)}], got {n}")
    index = torch.randperm(len(y), generator=generator)[:n]
    x_sub = x[index]
    return x_sub - x_sub.mean(0), y[index]


def subset_probe(*, data: str = "fashion-mnist", classes: tuple[int, int] = (1, 8),
                 sizes: tuple[int, ...] = (50, 100, 200), draws: int = 4, epochs: int = 300, seed: int = 0,
                 strategies: tuple[str, ...] = ("none", "mixup", "cutmix", "hmix", "gmix"), gmix_samples: int = 10000,
                 root: str | None = None) -> dict[str, Any]:
    """``bound_terms`` of logistic models trained on small random training subsets, where θ can classify every
    training point correctly and R = min_i |cos(θ, x_i)| is not negligible (claim 10's decidable cases).

    For each size n and draw k: n points of the pair drawn with generator seed 10000·seed + 10·n + k
    (k < 10), re-centred; each strategy trained for ``epochs`` epochs (data order and masks seeded by k, the
    same for every strategy) and evaluated as in ``bound_probe`` (vanilla with Mixup's a, A).
    Returns {"sizes", "draws", "epochs", "models": [{"n", "draw", "strategy", **BoundTerms}]}.
    """
    from msda_theory.experiments.logistic import binary_task, train_logistic
    from msda_theory.weights import pair_weights

    if not 1 <= draws <= 10:
        raise ValueError(f"draws must be in [1, 10], got {draws}")
    task = binary_task(data, classes, n_train=None, n_test=1, root=root)
    size = tuple(task.x.shape[-2:])
    weights = {s: pair_weights(s if s != "none" else "mixup", size, method="quick", n_masks=gmix_samples,
                                   generator=torch.Generator().manual_seed(1)) for s in strategies}
    models = []
    for n in sizes:
        for k in range(draws):
            x, y = subset_draw(task.x, task.y, n, generator=torch.Generator().manual_seed(10000 * seed + 10 * n + k))
            for s in strategies:
                theta = train_logistic(x, y, s, epochs=epochs, generator=torch.Generator().manual_seed(k))
                terms = bound_terms(theta, x, y, weights[s].a_p, weights[s].a_pq)
                models.append({"n": n, "draw": k, "strategy": s, **terms.as_dict()})
    return {"sizes": list(sizes), "draws": draws, "epochs": epochs, "models": models}
