"""Keyword overrides of a frozen settings dataclass: the one rule behind ``evaluate_robustness(settings=..., steps=...)``
and ``decompose(settings=..., n_masks=...)``."""
from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, TypeVar

S = TypeVar("S")


def with_overrides(kind: type[S], settings: S | None, overrides: dict[str, Any], what: str) -> S:
    """``settings`` (default ``kind()``) with the fields named in ``overrides`` replaced.

    A keyword given beside ``settings`` wins over the settings' field (``settings`` is a base, the keywords the
    call's changes). Raises TypeError when ``settings`` is not a ``kind`` or a keyword names no field (naming the
    valid ones; ``what`` names the settings in the message, e.g. "attack settings").
    """
    base = kind() if settings is None else settings
    if not isinstance(base, kind):
        article = "an" if kind.__name__[0] in "AEIOU" else "a"
        raise TypeError(f"settings must be {article} {kind.__name__}, got {type(base).__name__}")
    valid = tuple(f.name for f in fields(kind))
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise TypeError(f"unknown {what} {unknown}; valid: {', '.join(valid)}")
    return replace(base, **overrides) if overrides else base


__all__ = ["with_overrides"]
