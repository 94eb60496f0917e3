"""The strategy registry: one table of mask families, their defaults and the paper's four.

``register(name, cls, defaults=..., paper=...)`` is the only place a family is
named; ``FAMILIES`` (name -> class), ``DEFAULTS`` (name -> default parameters)
and ``PAPER_FAMILIES`` are views of it that every other module reads, so a new
family is one file plus one ``register`` call. ``"none"`` (no mixing) is a
strategy but not a family: ``strategies()`` lists it first. A family with its
parameters is named by a strategy spec, ``"hmix:alpha=2,r=0.25"`` (``masks.spec``).
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

FAMILIES: dict[str, type] = {}
DEFAULTS: dict[str, dict[str, Any]] = {}
_PAPER: list[str] = []
NONE = "none"


def register(name: str, cls: type, *, defaults: dict[str, Any], paper: bool = False) -> None:
    """Add the family ``cls`` under ``name`` (lower case) with its default parameters.

    ``cls`` must be a dataclass with a ``sample(n, size, *, generator, device, dtype)``
    method; ``defaults`` may name only its fields and must build a valid sampler.
    """
    key = str(name).lower()
    if key == NONE or key in FAMILIES:
        raise ValueError(f"strategy {key!r} is already registered")
    if not is_dataclass(cls) or not callable(getattr(cls, "sample", None)):
        raise ValueError(f"a mask family must be a dataclass with a sample method, got {cls!r}")
    extra = sorted(set(defaults) - parameter_names(cls))
    if extra:
        raise ValueError(f"{key} takes parameters {sorted(parameter_names(cls))}, got unexpected defaults {extra}")
    cls(**defaults)  # the defaults must be valid (the family validates them)
    FAMILIES[key] = cls
    DEFAULTS[key] = dict(defaults)
    if paper:
        _PAPER.append(key)


def unregister(name: str) -> None:
    """Remove the family ``name`` (tests that register their own families clean up with it)."""
    key = str(name).lower()
    if key not in FAMILIES:
        raise ValueError(f"strategy {key!r} is not registered")
    del FAMILIES[key], DEFAULTS[key]
    if key in _PAPER:
        _PAPER.remove(key)


def parameter_names(cls: type) -> set[str]:
    """The parameters a family's dataclass takes."""
    return {f.name for f in fields(cls)}


def paper_families() -> tuple[str, ...]:
    """The families the paper analyses, in registration order."""
    return tuple(_PAPER)


def strategies() -> tuple[str, ...]:
    """("none", *FAMILIES): every strategy a training run or a probe accepts."""
    return (NONE, *FAMILIES)


def check_family(name: str) -> str:
    """The registered family ``name`` (case-insensitive), or ValueError naming the known ones."""
    key = str(name).lower()
    if key not in FAMILIES:
        raise ValueError(f"unknown strategy {name!r}; choose one of: {', '.join(FAMILIES)}")
    return key


def get(name: str, **params: Any) -> Any:
    """The family ``name`` with exactly the given parameters (the class defaults for the rest).

    A parameter the family's dataclass does not take is an error naming the ones it takes
    (``masks.from_spec("hmix:alpha=2,r=0.25")`` reads the same from text).

    >>> get("hmix", alpha=1.0, r=0.5)
    HMix(alpha=1.0, r=0.5)
    """
    key = check_family(name)
    cls = FAMILIES[key]
    taken = [f.name for f in fields(cls) if f.init]
    extra = [k for k in params if k not in taken]
    if extra:
        raise ValueError(f"{key} takes {', '.join(taken)}; got {', '.join(extra)}")
    return cls(**params)
