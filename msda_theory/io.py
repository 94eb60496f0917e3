"""Files the toolkit writes: JSON and torch payloads, always atomically.

Every writer goes through a temporary file in the target's folder and an
``os.replace`` (atomic on POSIX), so a run killed at any point leaves either
the old file or the new one, never half of one. JSON is strict: non-finite
floats are refused (``allow_nan=False``) unless the caller asks for them to be
written as ``null``, so a NaN result can never pass for a valid number.

A write that fails for want of space or on a read-only file system raises an
``OSError`` (ENOSPC, EDQUOT, EFBIG or EROFS) naming the file that was asked
for, not its temporary twin (``naming_target``); ``torch_save`` keeps the
OSError that torch's writer turns into an "unexpected pos" RuntimeError.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Literal

import torch

NonFinite = Literal["error", "null"]

MAX_ALLOC_BYTES = 4 * 2**30
"""The most memory (bytes) one array the toolkit builds from user input may need: 4 GiB.

Loaders, checkpoint readers and the ``weights`` command estimate what an input
would make them allocate (from file headers, shapes, class counts) and refuse
it with :class:`AllocationError` before allocating anything."""


DISK_ERRNOS = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
               errno.EFBIG: "file too large", errno.EROFS: "read-only file system"}
"""The errno values of a write that failed because of the storage, not of the data, and their wording."""


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


_SPECIAL = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _refuse_special(path: str | os.PathLike, mode: int) -> None:
    """Raise ValueError unless ``mode`` (an ``st_mode``) is a regular file's, naming what ``path`` is instead."""
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _SPECIAL if test(mode)), "not a regular file")
        raise ValueError(f"{path} is {kind}, not a regular file; refusing to read it")


def open_regular(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file; ValueError for a FIFO, device, socket or folder.

    Opening a FIFO for reading blocks until a writer appears and a device may never end, so the
    file is stat-ed before it is opened, then opened non-blocking and fstat-ed again (the name
    could be swapped in between). FileNotFoundError when it does not exist.
    """
    _refuse_special(path, os.stat(path).st_mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        _refuse_special(path, os.fstat(fd).st_mode)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_output_path(path: str | os.PathLike, *, flag: str, folder: bool = False) -> Path:
    """Check that ``path`` can be written before any work is done; return it as a Path.

    A file output (``folder=False``) must not be an existing folder; a folder
    output must not be an existing file; neither may be a dangling symbolic
    link. The nearest existing ancestor must be a writable folder on a
    writable file system with free space. Nothing is created.
    """
    if not str(path).strip():
        raise ValueError(f"{flag} must name a path, got an empty string")
    path = Path(path)
    if path.is_symlink() and not path.exists():
        raise ValueError(f"{flag} {path} is a dangling symbolic link (to {os.readlink(path)})")
    if folder and path.exists() and not path.is_dir():
        raise ValueError(f"{flag} {path} is an existing file, not a folder")
    if not folder and path.is_dir():
        raise ValueError(f"{flag} {path} is an existing folder, not a file")
    ancestor = path if folder and path.is_dir() else path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"{flag} {path} cannot be written: {ancestor} is not a folder")
    _check_storage(ancestor, f"{flag} {path} cannot be written")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ValueError(f"{flag} {path} cannot be written: no write permission in {ancestor}")
    return path


def _check_storage(folder: Path, what: str) -> None:
    """Refuse a folder on a read-only file system or one with no free block (statvfs; root may use the
    reserved blocks; a file system reporting no blocks at all, as some FUSE mounts do, is not judged)."""
    stats = os.statvfs(folder)
    if stats.f_flag & os.ST_RDONLY:
        raise ValueError(f"{what}: {folder} is on a read-only file system")
    free = stats.f_bfree if os.geteuid() == 0 else stats.f_bavail
    if stats.f_blocks > 0 and free == 0:
        raise ValueError(f"{what}: no space left on device ({folder})")


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


def _replace_from_tmp(path: Path, write: Callable[[Path], Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


@contextlib.contextmanager
def naming_target(path: str | os.PathLike) -> Iterator[None]:
    """Re-raise a storage failure of the body (errno in ``DISK_ERRNOS``) as an OSError naming ``path``.

    E.g. ``OSError(ENOSPC, 'no space left on device', 'runs/x/checkpoint.pt')`` for a full disk met
    while writing the temporary file of ``runs/x/checkpoint.pt``.
    """
    try:
        yield
    except OSError as err:
        if err.errno not in DISK_ERRNOS:
            raise
        raise OSError(err.errno, DISK_ERRNOS[err.errno], str(path)) from None


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file and a rename."""
    with naming_target(path):
        return _replace_from_tmp(Path(path), lambda tmp: tmp.write_text(text))


def write_json_atomic(path: str | os.PathLike, payload: Any, *, nonfinite: NonFinite = "error") -> Path:
    """Write ``payload`` as strict, indented JSON to ``path`` via a temporary file and a rename."""
    return write_text_atomic(path, dumps(payload, nonfinite=nonfinite))


class _WriteWatch:
    """A binary file that remembers the OSError of a failed write: torch.save reports it as a RuntimeError
    ("unexpected pos", "file write failed"), which loses the errno."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.error = handle, None

    def write(self, data: bytes) -> int:
        try:
            return self.handle.write(data)
        except OSError as err:
            self.error = err
            raise

    def flush(self) -> None:
        self.handle.flush()


def torch_save(payload: Any, path: str | os.PathLike) -> None:
    """``torch.save(payload, path)``, where a failed write (a full disk, say) raises its own OSError."""
    with open(path, "wb") as handle:
        watch = _WriteWatch(handle)
        try:
            torch.save(payload, watch)
        except RuntimeError:
            if watch.error is not None:
                raise watch.error from None
            raise


def save_torch_atomic(path: str | os.PathLike, payload: dict[str, Any]) -> Path:
    """``torch.save(payload, path)`` via a temporary file and a rename."""
    with naming_target(path):
        return _replace_from_tmp(Path(path), lambda tmp: torch_save(payload, tmp))


def read_json(path: str | os.PathLike) -> Any:
    """The JSON value stored at ``path`` (ValueError naming the file if it is not valid JSON)."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON ({err.msg} at line {err.lineno})") from None
