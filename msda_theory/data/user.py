"""A user's data set named ``package.module:name`` by the user (``--data mydata:make``), never by a file.

``name`` is a map-style Dataset of (x (C, H, W) float, label) items, or a
zero-argument callable returning one (a function or a Dataset class). A
checkpoint records such data as ``custom:<class name>`` only, so evaluating a
run trained on it needs the data named again on the command line.
"""
from __future__ import annotations

from typing import Any

import torch

from msda_theory.user_objects import current_folder_importable, is_spec, resolve

NPZ_PREFIX = "npz:"


def is_user_data(text: object) -> bool:
    """True for ``package.module:name`` text (not a built-in name, not ``npz:PATH``)."""
    return isinstance(text, str) and not text.startswith(NPZ_PREFIX) and is_spec(text)


def _is_map_style(obj: Any) -> bool:
    return (not isinstance(obj, (str, bytes, type)) and hasattr(obj, "__len__")
            and hasattr(obj, "__getitem__"))


def user_dataset(spec: str, what: str = "--data") -> Any:
    """The map-style Dataset named by ``spec``: the object itself, or what the zero-argument callable returns.

    Raises:
        ValueError: the spec cannot be resolved (see ``user_objects.resolve``), the callable fails
            (e.g. it needs arguments), or the result is no map-style Dataset (``__len__`` and ``__getitem__``)
            or is empty.
    """
    obj = resolve(spec, what)
    if not _is_map_style(obj):
        if not callable(obj):
            raise ValueError(f"{what} {spec!r} names {type(obj).__name__}, not a Dataset or a callable returning one")
        try:
            with current_folder_importable():  # the callable may import its neighbours when called
                obj = obj()
        except Exception as err:  # noqa: BLE001 (the user's code failed: one line naming it, not a traceback)
            reason = " ".join(str(err).split())[:200]
            raise ValueError(f"calling {what} {spec!r} with no arguments raised {type(err).__name__}: {reason}") \
                from err
    if not _is_map_style(obj):
        raise ValueError(f"{what} {spec!r} gave {type(obj).__name__}, not a map-style Dataset "
                         "(__len__ and __getitem__ returning (x (C, H, W), label))")
    if len(obj) == 0:
        raise ValueError(f"{what} {spec!r} gave an empty data set")
    _check_first_item(obj, spec, what)
    return obj


def _check_first_item(dataset: Any, spec: str, what: str) -> None:
    """Item 0 must be (x, label) with x a floating tensor (C, H, W): junk is refused before any work starts."""
    try:
        item = dataset[0]
    except Exception as err:  # noqa: BLE001 (the user's code failed: one line naming it)
        reason = " ".join(str(err).split())[:200]
        raise ValueError(f"reading item 0 of {what} {spec!r} raised {type(err).__name__}: {reason}") from err
    x = item[0] if isinstance(item, (tuple, list)) and len(item) == 2 else None
    if not isinstance(x, torch.Tensor) or x.dim() != 3 or not x.is_floating_point():
        shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x if x is not None else item).__name__
        raise ValueError(f"{what} {spec!r} gives items {shape}, not (x (C, H, W) floating tensor, label)")


__all__ = ["is_user_data", "user_dataset"]
