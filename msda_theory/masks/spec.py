"""Strategy specs: one text names a mask law and its parameters (docs/theory.md section 2).

Grammar (the parameters are the fields of the family's dataclass, or of a user class)::

    SPEC    := TARGET [":" PARAMS]
    TARGET  := NAME              a registered strategy, or "none" (case-insensitive; it takes precedence)
             | MODULE ":" CLASS  a user's class, e.g. mymasks:Stripe (MODULE importable from the current folder)
    PARAMS  := KEY "=" VALUE ("," KEY "=" VALUE)*

    "hmix", "hmix:alpha=2,r=0.25", "mymasks:Stripe", "mymasks:Stripe:width=3"

A VALUE reads as true/false, an integer, a float, or else the text itself; a
float field takes an integer as a float. ``parse_spec`` reads the syntax and
imports nothing; ``from_spec`` builds the sampler, validated by the family's own
dataclass (a parameter it does not take is an error naming the ones it takes);
``canonical_spec`` writes a registered family's spec with every parameter
filled in (``"hmix:alpha=2.0,r=0.25"``), the form configs record. A user's class
is imported only by ``from_spec`` (and ``spec_class``), i.e. from text a user
typed or passed in Python; nothing here reads a name from a file.
"""
from __future__ import annotations

import inspect
from dataclasses import fields, is_dataclass
from typing import Any

from msda_theory.masks.registry import DEFAULTS, FAMILIES, NONE, strategies
from msda_theory.user_objects import resolve

GRAMMAR = "NAME[:KEY=VALUE,...] or module:Class[:KEY=VALUE,...]"


def is_user_class(name: str) -> bool:
    """True for a ``module:Class`` target (a user's class), False for a registered name or "none"."""
    return ":" in name


def _check_target(module: str, cls: str, text: str) -> None:
    if not cls.isidentifier() or not all(part.isidentifier() for part in module.split(".")):
        raise ValueError(f"strategy spec {text!r} must look like {GRAMMAR}")


def parse_value(value: str) -> Any:
    """'true' -> True, '3' -> 3, '0.25' -> 0.25, anything else -> the text."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def _parse_params(text: str | None, spec: str) -> dict[str, Any]:
    """'alpha=2,r=0.25' -> {'alpha': 2, 'r': 0.25}; None -> {}."""
    if text is None:
        return {}
    params: dict[str, Any] = {}
    for item in text.split(","):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key.isidentifier() or not value:
            raise ValueError(f"strategy spec {spec!r}: expected KEY=VALUE, got {item.strip()!r}")
        if key in params:
            raise ValueError(f"strategy spec {spec!r} gives {key} twice")
        params[key] = parse_value(value)
    return params


def parse_spec(text: str) -> tuple[str, dict[str, Any]]:
    """(name, params) of a spec: a registered name (lower case), "none" or "module:Class"; imports nothing.

    >>> parse_spec("hmix:alpha=2,r=0.25")
    ('hmix', {'alpha': 2, 'r': 0.25})
    """
    if not isinstance(text, str):
        raise ValueError(f"a strategy spec must be a string like {GRAMMAR}, got {text!r}")
    head, sep, rest = text.strip().partition(":")
    second, sep2, tail = rest.partition(":")
    if sep and second and "=" not in second and head.strip().lower() not in strategies():  # module:Class[:params]
        _check_target(head.strip(), second.strip(), text)
        return f"{head.strip()}:{second.strip()}", _parse_params(tail if sep2 else None, text)
    name = head.strip().lower()
    if name not in strategies():
        raise ValueError(f"unknown strategy {head.strip()!r}; choose one of: {', '.join(strategies())}, "
                         f"or module:Class")
    return name, _parse_params(rest if sep else None, text)


def _format_value(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value) if isinstance(value, float) \
        else str(value)
    if any(c in text for c in ":,=") or not text:
        raise ValueError(f"a strategy parameter value cannot be empty or hold ':', ',' or '=', got {value!r}")
    return text


def format_spec(name: str, params: dict[str, Any]) -> str:
    """'name:k=v,...' (just 'name' without parameters); floats are written exactly (repr)."""
    if not params:
        return name
    return f"{name}:" + ",".join(f"{k}={_format_value(v)}" for k, v in params.items())


def split_specs(text: str) -> list[str]:
    """A comma-separated list of specs: 'none,hmix:alpha=2,r=0.25,cutmix' -> ['none', 'hmix:alpha=2,r=0.25', 'cutmix'].

    An item with '=' but no ':' continues the spec before it (strategy names hold no '=').
    """
    specs: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if specs and "=" in item and ":" not in item:
            specs[-1] += "," + item
        elif item:
            specs.append(item)
    return specs


def _import_class(name: str) -> type:
    """The class ``module:Class`` (``user_objects.resolve``: the current folder searched too)."""
    cls = resolve(name, "the strategy")
    if not inspect.isclass(cls) or not callable(getattr(cls, "sample", None)):
        raise ValueError(f"{name!r} must name a class with a sample(n, size, *, generator, device, dtype) method")
    return cls


def spec_class(name: str) -> type | None:
    """The class a parsed name stands for: the registered family, a user's class (imported), None for "none"."""
    if name == NONE:
        return None
    return _import_class(name) if is_user_class(name) else FAMILIES[name]


def parameter_types(cls: type) -> dict[str, str]:
    """The parameters a law's class takes, name -> annotation text (dataclass fields, else ``__init__``'s)."""
    if is_dataclass(cls):
        return {f.name: getattr(f.type, "__name__", str(f.type)) for f in fields(cls) if f.init}
    taken = inspect.signature(cls).parameters.values()
    return {p.name: getattr(p.annotation, "__name__", str(p.annotation)) for p in taken
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _checked_params(name: str, cls: type | None, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` checked against the class's parameters (ints made floats for float fields)."""
    types = parameter_types(cls) if cls is not None else {}
    extra = [k for k in params if k not in types]
    if extra:
        raise ValueError(f"{name} takes {', '.join(types) or 'no parameters'}; got {', '.join(extra)}")
    return {k: float(v) if types[k] == "float" and type(v) is int else v for k, v in params.items()}


def build(name: str, params: dict[str, Any]) -> Any:
    """The sampler ``name`` with ``params`` (a registered family's defaults for the rest); None for "none"."""
    cls = spec_class(name)
    values = _checked_params(name, cls, params)
    if cls is None:
        return None
    if not is_user_class(name):
        return cls(**{**DEFAULTS[name], **values})
    try:
        return cls(**values)
    except TypeError as err:
        raise ValueError(f"cannot build the strategy {name!r} from {values}: {err}") from None


def from_spec(text: str) -> Any:
    """The sampler a spec names, validated by its class; None for "none". Imports a ``module:Class``.

    >>> from_spec("hmix:alpha=2,r=0.25")
    HMix(alpha=2.0, r=0.25)
    """
    name, params = parse_spec(text)
    return build(name, params)


def sampler_params(sampler: Any) -> dict[str, Any]:
    """A sampler's parameters, name -> value (its init fields when a dataclass, else {})."""
    if not is_dataclass(sampler):
        return {}
    return {f.name: getattr(sampler, f.name) for f in fields(sampler) if f.init}


def canonical_spec(text: str) -> str:
    """The spec with every parameter filled in, 'hmix' -> 'hmix:alpha=1.0,r=0.5'; validated; imports nothing.

    A user's ``module:Class`` spec is only checked for syntax and written back as given.
    """
    name, params = parse_spec(text)
    if is_user_class(name):
        return format_spec(name, params)
    return format_spec(name, sampler_params(build(name, params)))  # "none": no parameters


def short_spec(text: str) -> str:
    """The spec without the parameters at their registered defaults: 'hmix:alpha=1.0,r=0.25' -> 'hmix:r=0.25'."""
    name, params = parse_spec(text)
    defaults = DEFAULTS.get(name, {})
    return format_spec(name, {k: v for k, v in params.items() if k not in defaults or defaults[k] != v})


def spec_of(sampler: Any) -> str:
    """The canonical spec of a sampler object: its registered name, or module:Class, with its parameters."""
    cls = type(sampler)
    names = [k for k, family in FAMILIES.items() if family is cls]
    name = names[0] if names else f"{cls.__module__}:{cls.__qualname__}"
    return format_spec(name, sampler_params(sampler))


__all__ = ["GRAMMAR", "build", "canonical_spec", "format_spec", "from_spec", "is_user_class", "parameter_types", "parse_value",
           "parse_spec", "sampler_params", "short_spec", "spec_class", "spec_of", "split_specs"]
