"""Fixed, named evaluation presets, so that robustness numbers are comparable across runs.

Radii are for images in [0, 1]: linf in units of 1/255, l2 for 28x28 to
32x32 inputs. ``quick`` is FGSM on 1,000 samples (docs/theory.md section 8: the
paper's robustness claim is under FGSM); ``standard`` is PGD-10 on the whole
test split; ``thorough`` is PGD-50 with 3 restarts on 1,000 samples.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from msda_theory.attacks import threat
from msda_theory.attacks.evaluate import evaluate_robustness
from msda_theory.attacks.settings import AttackSettings

LINF_EPS = (0.0, 1 / 255, 2 / 255, 4 / 255, 8 / 255)
L2_EPS = (0.0, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Preset:
    """An attack, its radii per norm and its budget."""

    name: str
    attack: str
    linf_eps: tuple[float, ...]
    l2_eps: tuple[float, ...]
    steps: int = 1
    restarts: int = 1
    n: int | None = None

    def eps(self, norm: str) -> tuple[float, ...]:
        """The radii for ``norm``."""
        return self.linf_eps if threat.check_norm(norm) == "linf" else self.l2_eps


PRESETS: dict[str, Preset] = {
    "quick": Preset("quick", "fgsm", LINF_EPS, L2_EPS, steps=1, n=1000),
    "standard": Preset("standard", "pgd", LINF_EPS, L2_EPS, steps=10),
    "thorough": Preset("thorough", "pgd", LINF_EPS, L2_EPS, steps=50, restarts=3, n=1000),
}


def get_preset(name: str) -> Preset:
    """The preset called ``name``."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]


def evaluate_preset(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    preset: str | Preset,
    *,
    norms: tuple[str, ...] = ("linf", "l2"),
    batch_size: int = 500,
    generator: torch.Generator | None = None,
) -> list[dict[str, Any]]:
    """:func:`evaluate_robustness` under ``preset`` for each norm; each result also names the preset."""
    preset = get_preset(preset) if isinstance(preset, str) else preset
    n = None if preset.n is None else min(preset.n, x.shape[0])
    results = []
    for norm in norms:
        settings = AttackSettings(norm=norm, steps=preset.steps, restarts=preset.restarts, generator=generator)
        result = evaluate_robustness(model, x, y, preset.eps(norm), attack=preset.attack, settings=settings, n=n,
                                     batch_size=batch_size)
        results.append({"preset": preset.name, **result})
    return results
