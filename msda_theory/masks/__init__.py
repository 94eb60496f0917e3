"""Mask samplers for mixed sample data augmentation (docs/theory.md section 2).

Every sampler has ``sample(n, size, *, generator=None) -> (mask, lam)`` with
``mask`` (n, H, W) in [0, 1] (the weight on the first image) and
``lam = mask.mean((-2, -1))`` (n,). A user-defined law needs only that method
(see ``MaskSampler``). The families live in one registry (``masks.registry``):
``register(name, cls, defaults=..., paper=...)`` adds one; ``FAMILIES``,
``DEFAULTS``, ``PAPER_FAMILIES`` and ``STRATEGIES`` (live) read it;
``get(name, **params)`` builds one strictly. A strategy spec names a law and its
parameters in one text (``masks.spec``): ``from_spec("hmix:alpha=2,r=0.25")``
builds it (None for "none"; ``"mymasks:Stripe:width=3"`` imports a user's class),
``parse_spec`` / ``format_spec`` / ``canonical_spec`` read and write the text.
"""
from __future__ import annotations

from typing import Any

from msda_theory.masks import registry
from msda_theory.masks._base import BetaMaskFamily, MaskSampler, Size, check_size, draw_beta
from msda_theory.masks.choice import Apply, RandomChoice, choose
from msda_theory.masks.cutmix import CutMix
from msda_theory.masks.fmix import FMix
from msda_theory.masks.gmix import GMix
from msda_theory.masks.hmix import HMix
from msda_theory.masks.mixup import Mixup
from msda_theory.masks.registry import (
    DEFAULTS,
    FAMILIES,
    get,
    paper_families,
    parameter_names,
    register,
    strategies,
    unregister,
)
from msda_theory.masks.spec import (
    canonical_spec,
    format_spec,
    from_spec,
    parse_spec,
    sampler_params,
    short_spec,
    spec_of,
    split_specs,
)

register("mixup", Mixup, defaults={"alpha": 1.0}, paper=True)
register("cutmix", CutMix, defaults={"alpha": 1.0}, paper=True)
register("hmix", HMix, defaults={"alpha": 1.0, "r": 0.5}, paper=True)
register("gmix", GMix, defaults={"alpha": 1.0}, paper=True)
register("fmix", FMix, defaults={"alpha": 1.0, "decay_power": 3.0})


def __getattr__(name: str) -> Any:
    """Live views of the registry: ``STRATEGIES`` = ("none", *FAMILIES), ``PAPER_FAMILIES``."""
    if name == "STRATEGIES":
        return strategies()
    if name == "PAPER_FAMILIES":
        return paper_families()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Apply",
    "RandomChoice",
    "choose",
    "BetaMaskFamily",
    "CutMix",
    "DEFAULTS",
    "FAMILIES",
    "FMix",
    "GMix",
    "HMix",
    "MaskSampler",
    "Mixup",
    "PAPER_FAMILIES",
    "STRATEGIES",
    "Size",
    "check_size",
    "draw_beta",
    "canonical_spec",
    "format_spec",
    "from_spec",
    "get",
    "paper_families",
    "parameter_names",
    "parse_spec",
    "register",
    "registry",
    "sampler_params",
    "short_spec",
    "spec_of",
    "split_specs",
    "strategies",
    "unregister",
]
