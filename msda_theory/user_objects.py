"""A user's object named ``package.module:name`` on the command line or in a Python call, imported from there only.

Every ``pkg.mod:obj`` option (``--model``, ``--data``, ``--strategy``) and
Python argument (``fit(model="pkg.mod:fn")``) resolves its object through
``resolve``: the module is imported (with the current folder searched after the
installed packages, as ``python -m`` would search it first, so that
``--model mymodels:net`` finds ``./mymodels.py`` without ``PYTHONPATH=.``) and
the attribute is returned. Importing runs the module's code: call ``resolve``
only with text the user typed, never with a name read from a file (a checkpoint
or config may record such a name, but what a file names is never imported).
"""
from __future__ import annotations

import contextlib
import importlib
import os
import sys
from typing import Iterator


def split_spec(spec: object, what: str) -> tuple[str, str]:
    """``"package.module:name"`` -> ("package.module", "name"); a ValueError naming ``what`` otherwise."""
    module_name, sep, attr = str(spec).partition(":")
    dotted = all(part.isidentifier() for part in module_name.split("."))
    if not isinstance(spec, str) or not sep or not dotted or not attr.isidentifier():
        raise ValueError(f"{what} is written 'package.module:name', got {spec!r}")
    return module_name, attr


def is_spec(text: object) -> bool:
    """True for text shaped like ``package.module:name`` (a user's object rather than a built-in name)."""
    try:
        split_spec(text, "")
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def current_folder_importable() -> Iterator[None]:
    """Search the current folder for modules (after every other entry of sys.path) for the body only."""
    folder = os.getcwd()
    added = folder not in sys.path and "" not in sys.path
    if added:
        sys.path.append(folder)
        importlib.invalidate_caches()
    try:
        yield
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def _import(module_name: str, spec: str, what: str) -> object:
    """``importlib.import_module(module_name)``; any failure is a one-line ValueError naming ``what``."""
    try:
        with current_folder_importable():
            return importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name is not None and (module_name == err.name or module_name.startswith(err.name + ".")):
            raise ValueError(f"cannot import {module_name!r} for {what} {spec!r}: no such module in the current "
                             f"folder {os.getcwd()} or on the Python path") from None
        raise ValueError(f"cannot import {module_name!r} for {what} {spec!r}: {err}") from None
    except Exception as err:  # noqa: BLE001 (the user's module raised while importing: one line, not a traceback)
        reason = " ".join(str(err).split())[:200]
        raise ValueError(f"importing {module_name!r} for {what} {spec!r} raised {type(err).__name__}: {reason}") \
            from err


def resolve(spec: str, what: str) -> object:
    """The object ``name`` of module ``package.module`` for ``spec = "package.module:name"``.

    Args:
        spec: the text the user typed (command line or Python argument), never a name read from a file.
        what: the interface in use, named in error messages: ``"--model"``, ``"--data"``, ``"fit(model=...)"``.

    Raises:
        ValueError: a malformed spec, a module that cannot be imported (or raises while importing),
            or a module without that attribute.
    """
    module_name, attr = split_spec(spec, what)
    module = _import(module_name, spec, what)
    if not hasattr(module, attr):
        raise ValueError(f"{module_name!r} has no {attr!r} (from {what} {spec!r})")
    return getattr(module, attr)


__all__ = ["current_folder_importable", "is_spec", "resolve", "split_spec"]
