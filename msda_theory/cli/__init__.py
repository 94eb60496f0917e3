"""The ``msda-theory`` command.

Each subcommand lives in its own module ``msda_theory/cli/cmd_<name>.py``
exposing ``NAME``, ``HELP``, ``add_arguments(parser)`` and ``run(args) -> int``;
they are discovered here, so a new subcommand needs no edit of this file.
Bad input (``ValueError``, a missing file) becomes one line on stderr and
exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import NoReturn, Sequence


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
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=OneLineParser)
    for module in _commands():
        help_text = module.HELP.replace("%", "%%")  # argparse expands % in help strings
        p = sub.add_parser(module.NAME, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, and turn bad input into one line and exit status 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as err:
        message = " ".join(str(err).split())  # one line, whatever the message held
        print(f"msda-theory {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
