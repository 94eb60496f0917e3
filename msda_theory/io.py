"""Files the toolkit writes: JSON and torch payloads, always atomically.

Every writer goes through a temporary file in the target's folder and an
``os.replace`` (atomic on POSIX), so a run killed at any point leaves either
the old file or the new one, never half of one. JSON is strict: non-finite
floats are refused (``allow_nan=False``) unless the caller asks for them to be
written as ``null``, so a NaN result can never pass for a valid number, and
``read_json`` is as strict: no NaN/Infinity literals, regular files only, a size
cap checked before reading. Temporary files have unique names (pid and random
bits) short enough for any legal target name; this module holds the toolkit's
only atomic renames.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from pathlib import Path
from typing import Any, Callable, Literal

import torch

NonFinite = Literal["error", "null"]

MAX_ALLOC_BYTES = 4 * 2**30
"""The most memory (bytes) one array the toolkit builds from user input may need: 4 GiB.

Loaders, checkpoint readers and the ``weights`` command estimate what an input
would make them allocate (from file headers, shapes, class counts) and refuse
it with :class:`AllocationError` before allocating anything."""


class AllocationError(ValueError):
    """An input would make the toolkit allocate more than ``MAX_ALLOC_BYTES``."""


def gib(nbytes: float) -> str:
    """``nbytes`` as a short GiB figure, e.g. '3.2 GiB'."""
    return f"{nbytes / 2**30:.3g} GiB"


def check_allocation(nbytes: float, what: str, *, cap: int | None = None) -> None:
    """Raise AllocationError when ``nbytes`` (an estimate) exceeds the cap (default ``MAX_ALLOC_BYTES``)."""
    cap = MAX_ALLOC_BYTES if cap is None else cap
    if nbytes > cap:
        raise AllocationError(f"{what} would need about {gib(nbytes)} of memory, over the cap of {gib(cap)} "
                              "(msda_theory.io.MAX_ALLOC_BYTES)")


def check_output_path(path: str | os.PathLike, *, flag: str, folder: bool = False) -> Path:
    """Check that ``path`` can be written before any work is done; return it as a Path.

    A file output (``folder=False``) must not be an existing folder; a folder
    output must not be an existing file. The nearest existing ancestor must be
    a writable folder. Nothing is created.
    """
    if not str(path).strip():
        raise ValueError(f"{flag} must name a path, got an empty string")
    path = Path(path)
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {path} is an existing file, not a folder")
    if not folder and path.is_dir():
        raise ValueError(f"{flag} {path} is an existing folder, not a file")
    ancestor = path if folder and path.is_dir() else path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"{flag} {path} cannot be written: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {path} cannot be written: no write permission in {ancestor}")
    return path


def sha256_file(path: str | os.PathLike) -> str:
    """The hex SHA-256 of the bytes of ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def to_jsonable(value: Any, *, nonfinite: NonFinite = "error") -> Any:
    """``value`` with tensors, arrays, tuples and paths turned into JSON types.

    ``nonfinite='null'`` writes NaN and ±inf as ``None``; with ``'error'`` they
    are kept, and ``json.dumps(..., allow_nan=False)`` refuses them.
    """
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().tolist()
    elif hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, nonfinite=nonfinite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, nonfinite=nonfinite) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value) and nonfinite == "null":
        return None
    return value


def dumps(payload: Any, *, nonfinite: NonFinite = "error") -> str:
    """Indented, strict JSON text of ``payload`` (ValueError on NaN or inf when ``nonfinite='error'``)."""
    try:
        return json.dumps(to_jsonable(payload, nonfinite=nonfinite), indent=1, allow_nan=False) + "\n"
    except ValueError as err:
        raise ValueError(f"refusing to write a non-finite number as JSON ({err})") from None


TEMP_NAME_BYTES = 255
"""The longest file name (bytes) a temporary file may have: the limit of ext4, XFS, btrfs and tmpfs."""


def temp_path(path: Path) -> Path:
    """A new, empty, uniquely named file ``.<name>.<pid>.<16 hex>.tmp`` beside ``path``, created exclusively.

    The target's name is cut (at a character boundary) so that the whole name fits
    ``TEMP_NAME_BYTES`` bytes whatever the target's own legal length; the pid and 64
    random bits keep writers in two processes or threads from ever sharing a temp file."""
    tail = f".{os.getpid()}.{os.urandom(8).hex()}.tmp"
    room = TEMP_NAME_BYTES - 1 - len(tail.encode())
    head = os.fsencode(path.name)[:room].decode(errors="ignore")  # errors='ignore' drops a cut character
    tmp = path.with_name(f".{head}{tail}")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return tmp


def _replace_from_tmp(path: Path, write: Callable[[Path], Any],
                      before_replace: Callable[[Path], Any] | None = None) -> Path:
    """Write through ``write(tmp)``, call ``before_replace(tmp)``, then rename tmp onto ``path`` (the one rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        write(tmp)
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and a rename."""
    return _replace_from_tmp(Path(path), lambda tmp: tmp.write_text(text))


def write_json_atomic(path: str | os.PathLike, payload: Any, *, nonfinite: NonFinite = "error") -> Path:
    """Write ``payload`` as strict, indented JSON to ``path`` via a temporary file and a rename."""
    return write_text_atomic(path, dumps(payload, nonfinite=nonfinite))


def save_torch_atomic(path: str | os.PathLike, payload: dict[str, Any], *,
                      before_replace: Callable[[Path], Any] | None = None) -> Path:
    """``torch.save(payload, path)`` via a temporary file and a rename.

    ``before_replace(tmp)`` runs once the payload is complete and before the rename (a
    checkpoint writes its checksum there, so a kill between the two still verifies)."""
    return _replace_from_tmp(Path(path), lambda tmp: torch.save(payload, tmp), before_replace)


MAX_JSON_BYTES = 64 * 2**20
"""The largest JSON file (bytes) ``read_json`` reads: 64 MiB; a larger one is refused before reading it."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"the literal {name} is not JSON (the writer never emits it)")


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of ``path``, refused unread when it is not a regular file or larger than ``max_bytes``."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO opens at once instead of waiting for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path} is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{path} holds {info.st_size} bytes, over the cap of {max_bytes} for a JSON file "
                             "(msda_theory.io.MAX_JSON_BYTES)")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    finally:
        os.close(fd)


def read_json(path: str | os.PathLike, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The strict JSON value stored at ``path``.

    Raises ValueError naming the file when it is not a regular file (folder, FIFO),
    exceeds ``max_bytes`` (checked before reading), is not UTF-8, is not JSON, holds the
    NaN/Infinity literals or nests too deeply; OSError when it cannot be opened."""
    path = Path(path)
    raw = _read_regular(path, max_bytes)
    if len(raw) > max_bytes:
        raise ValueError(f"{path} grew over the cap of {max_bytes} bytes while being read")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err.msg} at line {err.lineno})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not valid JSON (not UTF-8 text)") from None
    except RecursionError:
        raise ValueError(f"{path} is not valid JSON (nested too deeply)") from None
    except ValueError as err:
        raise ValueError(f"{path} is not valid JSON ({err})") from None
