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


TEMP_NAME_BYTES = 255
"""The longest file name (bytes) a temporary file may have: the limit of ext4, XFS, btrfs and tmpfs."""


def temp_name(path: Path) -> Path:
    """A unique name ``.<name>.<pid>.<16 hex>.tmp`` beside ``path`` (nothing is created).

    The target's name is cut (at a character boundary) so that the whole name fits
    ``TEMP_NAME_BYTES`` bytes whatever the target's own legal length; the pid and 64
    random bits keep writers in two processes or threads from ever sharing a temp file."""
    tail = f".{os.getpid()}.{os.urandom(8).hex()}.tmp"
    room = TEMP_NAME_BYTES - 1 - len(tail.encode())
    head = os.fsencode(path.name)[:room].decode(errors="ignore")  # errors='ignore' drops a cut character
    return path.with_name(f".{head}{tail}")


def _create(tmp: Path) -> Path:
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return tmp


def temp_path(path: Path) -> Path:
    """A new, empty file named ``temp_name(path)``, created exclusively."""
    return _create(temp_name(path))


def _replace_from_tmp(path: Path, write: Callable[[Path], Any],
                      before_replace: Callable[[Path], Any] | None = None) -> Path:
    """Write through ``write(tmp)``, call ``before_replace(tmp)``, then rename tmp onto ``path`` (the one rename).

    The temporary file is created inside the ``try``, so an interrupt (Ctrl-C) at any point leaves none behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        write(_create(tmp))
        if before_replace is not None:
            before_replace(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
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


def write_bytes_atomic(path: str | os.PathLike, data: bytes | memoryview, *,
                       before_replace: Callable[[Path], Any] | None = None) -> Path:
    """Write ``data`` to ``path`` via a temporary file and a rename; ``before_replace(tmp)`` runs in between."""
    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(data)

    with naming_target(path):
        return _replace_from_tmp(Path(path), write, before_replace)


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


def save_torch_atomic(path: str | os.PathLike, payload: dict[str, Any], *,
                      before_replace: Callable[[Path], Any] | None = None) -> Path:
    """``torch.save(payload, path)`` via a temporary file and a rename.

    ``before_replace(tmp)`` runs once the payload is complete and before the rename (a
    checkpoint writes its checksum there, so a kill between the two still verifies)."""
    with naming_target(path):
        return _replace_from_tmp(Path(path), lambda tmp: torch_save(payload, tmp), before_replace)


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
