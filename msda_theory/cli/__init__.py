"""The ``msda-theory`` command.

Each subcommand lives in its own module ``msda_theory/cli/cmd_<name>.py``
exposing ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``;
they are discovered here, so a new subcommand needs no edit of this file.
Bad input (``ValueError``), I/O errors (``OSError``: a missing, unreadable or
unwritable file; a full disk reads "no space left on device writing FILE"),
``MemoryError`` and torch's failed allocations become one line on stderr and
exit status 2, never a traceback; warnings are one line each
(numeric RuntimeWarnings are dropped: results are validated instead). Ctrl-C
(SIGINT, ``KeyboardInterrupt``) is one line, ``msda-theory CMD: interrupted``,
and exit status 130: every write is atomic, so nothing is left half-written.

Messages of the library go through ``logging`` (logger ``msda_theory``): the
command shows its INFO messages on stderr, and ``--quiet`` (before or after the
subcommand) silences them and every progress bar; stdout (tables, JSON paths)
is unchanged by it.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import pkgutil
import sys
import warnings
from typing import Any, Iterator, NoReturn, Sequence

from msda_theory.io import DISK_ERRNOS

INTERRUPTED = 130
"""Exit status after Ctrl-C: 128 + SIGINT, as a shell reports a process killed by it."""
QUIET_HELP = "no progress bars and no info messages (errors and warnings still show)"


class OneLineParser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are one stderr line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _commands() -> list[object]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("cmd_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every discovered subcommand."""
    parser = OneLineParser(prog="msda-theory", description="MSDA as a loss-function regularizer: masks, weights, checks.")
    parser.add_argument("--quiet", "-q", action="store_true", help=QUIET_HELP)
    quiet = argparse.ArgumentParser(add_help=False)  # the same flag after the subcommand, not overriding one before
    quiet.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help=QUIET_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for module in _commands():
        help_text = module.HELP.replace("%", "%%")  # argparse expands % in help strings, not in descriptions
        p = sub.add_parser(module.NAME, help=help_text, description=module.HELP, parents=[quiet])
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _is_allocation_failure(err: RuntimeError) -> bool:
    """torch reports a failed CPU allocation as a RuntimeError naming the allocator."""
    text = str(err)
    return "allocate" in text or "out of memory" in text


def _describe(err: BaseException) -> str:
    """One line for an error the CLI reports (OSError: its strerror and file, else the message)."""
    if isinstance(err, MemoryError):
        return f"out of memory ({_one_line(err) or 'MemoryError'})"
    if isinstance(err, OSError) and err.errno in DISK_ERRNOS:  # a full disk or read-only file system
        return f"{DISK_ERRNOS[err.errno]} writing {err.filename}" if err.filename else DISK_ERRNOS[err.errno]
    if isinstance(err, OSError) and err.strerror and err.filename is not None:
        return f"{err.strerror}: {err.filename}"
    return _one_line(err) or type(err).__name__


class BarSafeHandler(logging.StreamHandler):
    """A stream handler that prints through ``tqdm.write``: a message gets its own line above any live progress
    bar instead of landing inside it."""

    def emit(self, record: logging.LogRecord) -> None:
        from tqdm import tqdm

        try:
            tqdm.write(self.format(record), file=self.stream)
        except Exception:  # logging's own contract: a failed message is reported, never raised
            self.handleError(record)


@contextlib.contextmanager
def library_messages(quiet: bool) -> Iterator[None]:
    """Show the ``msda_theory`` logger's INFO messages on stderr for the command (WARNING and up when quiet)."""
    logger = logging.getLogger("msda_theory")
    handler = BarSafeHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn bad input, I/O and allocation errors into one line and exit status 2
    (Ctrl-C: one line and exit status 130)."""
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:  # while the subcommands' modules are imported
        words = [word for word in (sys.argv[1:] if argv is None else argv) if not word.startswith("-")]
        print(f"msda-theory{' ' + words[0] if words else ''}: interrupted", file=sys.stderr)
        return INTERRUPTED
    prefix = f"msda-theory {args.command}"

    def show(message: Any, category: type, *_: Any, **__: Any) -> None:
        if issubclass(category, RuntimeWarning):
            return  # numpy's floating-point warnings: results are validated instead (strict JSON, finite checks)
        print(f"{prefix}: warning: {_one_line(message)}", file=sys.stderr)

    with warnings.catch_warnings(), library_messages(args.quiet):
        warnings.showwarning = show
        try:
            return int(args.run(args) or 0)
        except KeyboardInterrupt:
            print(f"{prefix}: interrupted", file=sys.stderr)
            return INTERRUPTED
        except (ValueError, OSError, MemoryError) as err:
            print(f"{prefix}: error: {_describe(err)}", file=sys.stderr)
            return 2
        except RuntimeError as err:
            if not _is_allocation_failure(err):
                raise
            print(f"{prefix}: error: allocation failed ({_one_line(err)[:200]})", file=sys.stderr)
            return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
