"""Accuracy under attack at each radius, with Wilson intervals and the sanity checks.

    acc(eps) = (1/n) sum_i 1[argmax f(x_i') = y_i],   x_i' = attack(x_i, y_i, eps)

(docs/theory.md section 9, claim 9: MSDA-trained models against vanilla under FGSM
and PGD at small eps). ``check_options`` validates; ``count_under_attack``
runs the attack from the registry (``attacks.registry.ATTACKS``). Per batch:
one clean forward (accuracy at eps = 0, the logits check, and NaN or inf in the
inputs or the clean outputs refused with the cause named), then per eps > 0
the attack and one forward on its output; with an iterative attack (PGD) also
FGSM and one forward, for the PGD >= FGSM check.

The data are tensors (x, y), a ``DataLoader`` (or any iterable of (x, y)
batches) or a map-style ``Dataset`` of (x, y) pairs, batched by
``data.items.batches``; batches are streamed, so a test set never has to fit
in memory at once. ``preprocessing=(mean, std)``
attacks in pixel space while the model sees (x − mean) / std per channel
(foolbox's convention).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable, Sequence

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset
from tqdm.auto import tqdm

from msda_theory.attacks import threat
from msda_theory.attacks.confidence import wilson_interval
from msda_theory.attacks.loss import attack_mode, check_labels
from msda_theory.attacks.pgd import check_schedule
from msda_theory.attacks.registry import Attack, AttackSettings, get_attack
from msda_theory.attacks.sanity import SanityTally
from msda_theory.attacks.settings import with_overrides
from msda_theory.data.items import batches
from msda_theory.finite import check_finite, check_model_output
from msda_theory.models import predict


def check_eps_list(eps_list: Sequence[float]) -> list[float]:
    """A non-empty list of radii, each finite and >= 0."""
    eps = [threat.check_eps(e) for e in eps_list]
    if not eps:
        raise ValueError("eps_list must hold at least one radius")
    return eps


def model_device(model: nn.Module, fallback: torch.device) -> torch.device:
    """The device of the model's first parameter or buffer, else ``fallback``."""
    for tensor in (*model.parameters(), *model.buffers()):
        return tensor.device
    return fallback


class Normalized(nn.Module):
    """x -> model((x − mean) / std), mean and std per channel (C,) broadcast over (B, C, H, W)."""

    def __init__(self, model: nn.Module, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        mean_t, std_t = torch.as_tensor(mean, dtype=torch.float64), torch.as_tensor(std, dtype=torch.float64)
        if mean_t.dim() > 1 or mean_t.shape != std_t.shape or not bool(torch.isfinite(mean_t).all()):
            raise ValueError(f"preprocessing must be (mean, std) of equal length, got {mean!r}, {std!r}")
        if not bool((std_t > 0).all()):
            raise ValueError(f"preprocessing std must be > 0, got {std!r}")
        self.model = model
        self.register_buffer("mean", mean_t.reshape(1, -1, 1, 1) if mean_t.dim() else mean_t)
        self.register_buffer("std", std_t.reshape(1, -1, 1, 1) if std_t.dim() else std_t)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model((x - self.mean.to(x)) / self.std.to(x))


def with_preprocessing(model: nn.Module, preprocessing: tuple[Any, Any] | None) -> nn.Module:
    """``model`` itself, or ``Normalized(model, mean, std)`` on the model's device."""
    if preprocessing is None:
        return model
    if not isinstance(preprocessing, (tuple, list)) or len(preprocessing) != 2:
        raise ValueError(f"preprocessing must be a pair (mean, std), got {preprocessing!r}")
    wrapped = Normalized(model, *preprocessing)
    return wrapped.to(model_device(model, torch.device("cpu")))


def check_options(eps_list: Sequence[float] | None, settings: AttackSettings, n: int | None,
                  batch_size: int) -> tuple[list[float], AttackSettings]:
    """Validate the radii, the attack settings, n and the batch size; return (radii, settings with float bounds)."""
    threat.check_norm(settings.norm)
    if eps_list is None:
        raise ValueError("eps_list must hold at least one radius")
    eps = check_eps_list(eps_list)
    settings = replace(settings, bounds=threat.check_bounds(settings.bounds))
    check_schedule(max(eps), settings.steps, settings.step_size, settings.restarts)
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    return eps, settings


def count_under_attack(model: nn.Module, data: Iterable[Any], eps: list[float], attack: Attack,
                       settings: AttackSettings, *, total: int | None = None, progress: bool | None = None,
                       per_image: bool = False) -> dict[str, Any]:
    """Correct counts per eps under ``attack`` and under FGSM (iterative attacks only), the sanity tally and n."""
    fgsm = get_attack("fgsm")
    correct, fgsm_correct = [0] * len(eps), [0] * len(eps)
    flags: list[list[bool]] = [[] for _ in eps]
    tally, n = SanityTally(eps=eps, norm=settings.norm), 0
    bar = tqdm(total=total, unit="img", desc=f"attack ({settings.norm})", leave=False,
               disable=None if progress is None else not progress)  # None: only on a terminal
    with attack_mode(model):
        for xb, yb in data:
            device = model_device(model, xb.device)
            xb, yb = xb.to(device), yb.to(device)
            start = None if n == 0 and total == len(xb) else n  # None: the batch is all the data
            check_finite(xb, "x", start=start)
            threat.check_inputs(xb, yb, settings.bounds)
            with torch.no_grad():
                logits = check_model_output(model(xb), start=start)
            check_labels(logits, yb)
            tally.add_clean(logits)
            clean = predict(logits) == yb
            for i, e in enumerate(eps):
                hit = clean
                if e > 0:
                    result = attack(model, xb, yb, e, settings)
                    tally.add_attack(i, xb, result.x_adv, result.zero_grad, settings.bounds)
                    hit = _correct(model, result.x_adv, yb)
                correct[i] += int(hit.sum())
                if per_image:
                    flags[i].extend(hit.tolist())
                if attack.iterative:
                    fgsm_correct[i] += int(hit.sum()) if e == 0 else int(_correct(model, fgsm(model, xb, yb, e, settings).x_adv, yb).sum())
            n += len(xb)
            bar.update(len(xb))
    bar.close()
    if n == 0:
        raise ValueError("the data hold no samples to evaluate")
    return {"correct": correct, "fgsm_correct": fgsm_correct, "tally": tally, "n": n, "per_image": flags}


def _correct(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return predict(model(x)) == y


def evaluate_robustness(
    model: nn.Module,
    x: torch.Tensor | DataLoader | Dataset,
    y: torch.Tensor | None = None,
    eps_list: Sequence[float] | None = None,
    *,
    attack: str = "pgd",
    settings: AttackSettings | None = None,
    n: int | None = None,
    batch_size: int = 500,
    preprocessing: tuple[Any, Any] | None = None,
    progress: bool | None = None,
    per_image: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """acc(eps) for each eps under a registered attack on the first n samples, with 95% Wilson intervals.

    Args:
        model: maps x (B, ...) to logits (B, K), (B,) or (B, 1); its device is used.
        x: inputs (N, ...), finite and within ``bounds`` (NaN or inf, in x or in the model's clean output,
            is refused naming the first index), with labels ``y`` (N,) int64; or a DataLoader (or any
            iterable of (x, y) batches) or a map-style Dataset of (x, y), with ``y=None``.
        eps_list: radii, each >= 0; eps = 0 is the clean accuracy.
        attack: a name in ``ATTACKS`` (``"fgsm"`` or ``"pgd"``).
        settings: the threat model and the attack's budget, an ``AttackSettings`` (default: its defaults):
            ``norm`` (``"linf"`` or ``"l2"``), ``bounds`` (the valid input range, default (0, 1)), and for
            iterative attacks (PGD) ``steps`` (10), ``step_size`` (None: 2.5 * eps / steps), ``restarts`` (1),
            ``random_start`` (True) and ``generator`` (the random starts' source).
        n: evaluate the first n samples (all when None).
        batch_size: samples per attack batch (tensors and Datasets; a DataLoader keeps its own).
        preprocessing: (mean, std) per channel: the model sees (x − mean) / std, the attack works on x.
        progress: a tqdm bar over the samples (None: only on a terminal).
        per_image: also return ``correct_per_image``, a list per eps of one bool per sample.
        **overrides: fields of ``settings`` by name (``norm="l2", steps=20``), replacing the settings' values;
            any other keyword is a TypeError naming the valid ones.

    Returns:
        ``{"attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "correct",
        "n", "steps", "step_size", "restarts", "random_start", "bounds", "sanity"}``
        (+ ``"correct_per_image"``); the lists run over eps, ``step_size`` among them: the step used
        at each eps (PGD: ``step_size`` or 2.5 * eps / steps; FGSM: eps). ``sanity`` is described in
        :mod:`msda_theory.attacks.sanity`.
    """
    chosen = get_attack(attack)
    settings = with_overrides(settings, overrides)
    eps, settings = check_options(eps_list, settings, n, batch_size)
    data, total = batches(x, y, n, batch_size)
    counts = count_under_attack(with_preprocessing(model, preprocessing), data, eps, chosen, settings,
                                total=total, progress=progress, per_image=per_image)
    return _result(attack, chosen, eps, settings, counts, per_image)


def _result(name: str, chosen: Attack, eps: list[float], settings: AttackSettings, counts: dict[str, Any],
            per_image: bool) -> dict[str, Any]:
    """``evaluate_robustness``'s dict from the counts of ``count_under_attack``."""
    steps, step_size, restarts = settings.steps, settings.step_size, settings.restarts
    n, correct = counts["n"], counts["correct"]
    accuracy = [c / n for c in correct]
    intervals = [wilson_interval(c, n) for c in correct]
    fgsm_accuracy = [c / n for c in counts["fgsm_correct"]] if chosen.iterative else None
    result = {
        "attack": name,
        "norm": settings.norm,
        "eps": eps,
        "accuracy": accuracy,
        "ci_low": [lo for lo, _ in intervals],
        "ci_high": [hi for _, hi in intervals],
        "correct": correct,
        "n": n,
        "steps": steps if chosen.iterative else 1,
        "step_size": [check_schedule(e, steps, step_size, restarts) if chosen.iterative else e for e in eps],
        "restarts": restarts if chosen.iterative else 1,
        "random_start": settings.random_start if chosen.iterative else False,
        "bounds": list(settings.bounds),
        "sanity": counts["tally"].report(n, accuracy, fgsm_accuracy),
    }
    if per_image:
        result["correct_per_image"] = counts["per_image"]
    return result
