"""A pickle reader that rebuilds numpy arrays, lists and dicts and nothing else.

The CIFAR "python version" files are pickles. A plain ``pickle.load`` runs any
callable the file names (``os.system`` included), so :func:`safe_unpickle`
admits only the globals numpy arrays are rebuilt from and refuses the rest
with a :class:`UnsafePickleError` before anything runs. The two globals that
allocate an array of a requested shape (``_reconstruct`` and ``ndarray``) are
wrapped so that a small file cannot ask for more than the allocation cap
(``msda_theory.io.MAX_ALLOC_BYTES``).
"""
from __future__ import annotations

import io
import pickle
from typing import Any, Callable

import numpy as np

from msda_theory.io import AllocationError, check_allocation

try:  # numpy >= 2
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _multiarray  # type: ignore[no-redef]
    from numpy.core import numeric as _numeric  # type: ignore[no-redef]


class UnsafePickleError(ValueError):
    """A pickle names a global outside the numpy-array allow-list."""


def _latin1_encode(text: Any, encoding: str = "utf-8") -> bytes:
    """Return ``text.encode("latin1")``: how protocol-2 pickles from Python 3 store bytes."""
    if not isinstance(text, str) or encoding.replace("-", "").lower() != "latin1":
        raise ValueError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode("latin1")


def _check_shape(shape: Any, dtype: Any, limit: int) -> None:
    """Refuse an array request of ``prod(shape) * itemsize`` bytes over ``limit`` or the allocation cap."""
    dims = (shape,) if isinstance(shape, int) else tuple(shape)
    count = 1
    for d in dims:
        count *= int(d)
    nbytes = count * np.dtype(np.uint8 if isinstance(dtype, bytes) else dtype).itemsize
    what = f"a pickled array of shape {dims} and dtype {dtype}"
    check_allocation(nbytes, what)
    if nbytes > limit:
        raise AllocationError(f"{what} would need {nbytes:,} bytes, more than its {limit:,}-byte pickle holds")


def _capped(limit: int) -> dict[str, Callable[..., Any]]:
    """``_reconstruct`` and ``ndarray`` for one pickle of ``limit`` bytes: no array larger than the file.

    A genuine pickle stores an array's bytes inside itself (``_reconstruct``
    asks for shape (0,) and ``__setstate__`` fills it), so this bound never
    refuses a real file.
    """
    def reconstruct(subtype: Any, shape: Any, dtype: Any) -> np.ndarray:
        _check_shape(shape, dtype, limit)
        return _multiarray._reconstruct(np.ndarray, shape, dtype)

    def ndarray(shape: Any, dtype: Any = float, *args: Any, **kwargs: Any) -> np.ndarray:
        _check_shape(shape, dtype, limit)
        return np.ndarray(shape, dtype, *args, **kwargs)

    return {"_reconstruct": reconstruct, "ndarray": ndarray}


def _empty_bytes() -> bytes:
    """Return ``b""``: how protocol-2 pickles from Python 3 store empty bytes (``bytes()``)."""
    return b""


_ALLOWED: dict[tuple[str, str], Callable[..., Any]] = {
    ("numpy.core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _multiarray._reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _numeric._frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): _latin1_encode,
    ("__builtin__", "bytes"): _empty_bytes,
    ("builtins", "bytes"): _empty_bytes,
}


class SafeUnpickler(pickle.Unpickler):
    """An unpickler (``encoding="bytes"``) whose ``find_class`` admits only ``_ALLOWED``."""

    def __init__(self, file: io.BufferedIOBase, source: str, size: int) -> None:
        super().__init__(file, encoding="bytes")
        self.source = source
        self.capped = _capped(size)

    def find_class(self, module: str, name: str) -> Callable[..., Any]:
        """Return the allowed global ``module.name`` (size-capped where it allocates) or raise UnsafePickleError."""
        try:
            found = _ALLOWED[(module, name)]
            return self.capped.get(name, found) if module.startswith("numpy") else found
        except KeyError:
            raise UnsafePickleError(
                f"refusing to load {module}.{name} from {self.source}: "
                "only numpy arrays, lists and dicts are allowed"
            ) from None


def safe_unpickle(data: bytes, source: str) -> Any:
    """Unpickle ``data`` with :class:`SafeUnpickler`; any failure becomes a one-line ValueError.

    Args:
        data: the pickle bytes.
        source: the file name used in error messages.
    """
    try:
        return SafeUnpickler(io.BytesIO(data), source, len(data)).load()
    except (UnsafePickleError, AllocationError):
        raise
    except Exception as exc:  # garbage input raises many types: EOFError, TypeError, ...
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise ValueError(f"corrupt pickle {source}: {reason}") from None
