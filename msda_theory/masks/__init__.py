"""Mask samplers for mixed sample data augmentation (theory.md section 2).

Every sampler has ``sample(n, size, *, generator=None) -> (mask, lam)`` with
``mask`` (n, H, W) in [0, 1] (the weight on the first image) and
``lam = mask.mean((-2, -1))`` (n,). A user-defined law needs only that method
(see ``MaskSampler``); ``get(name, **params)`` builds the built-in ones.
"""
from __future__ import annotations

from dataclasses import fields
from typing import Any

from msda_theory.masks._base import BetaMaskFamily, MaskSampler, Size, check_size, draw_beta
from msda_theory.masks.cutmix import CutMix
from msda_theory.masks.fmix import FMix
from msda_theory.masks.gmix import GMix
from msda_theory.masks.hmix import HMix
from msda_theory.masks.mixup import Mixup

FAMILIES: dict[str, type[BetaMaskFamily]] = {
    "mixup": Mixup,
    "cutmix": CutMix,
    "hmix": HMix,
    "gmix": GMix,
    "fmix": FMix,
}

PAPER_FAMILIES = ("mixup", "cutmix", "hmix", "gmix")


def get(name: str, **params: Any) -> BetaMaskFamily:
    """The built-in sampler called ``name`` with the given parameters.

    >>> get("hmix", alpha=1.0, r=0.5)
    HMix(alpha=1.0, r=0.5)
    """
    key = str(name).lower()
    if key not in FAMILIES:
        known = ", ".join(FAMILIES)
        raise ValueError(f"unknown strategy {name!r}; choose one of: {known}")
    cls = FAMILIES[key]
    allowed = {f.name for f in fields(cls)}
    extra = sorted(set(params) - allowed)
    if extra:
        raise ValueError(f"{key} takes parameters {sorted(allowed)}, got unexpected {extra}")
    return cls(**params)


__all__ = [
    "BetaMaskFamily",
    "CutMix",
    "FAMILIES",
    "FMix",
    "GMix",
    "HMix",
    "MaskSampler",
    "Mixup",
    "PAPER_FAMILIES",
    "Size",
    "check_size",
    "draw_beta",
    "get",
]
