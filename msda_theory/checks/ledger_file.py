"""Reading a claims ledger back, so that ``check --only`` replaces its own rows and keeps the others.

A ledger (``checks.ledger.render``) opens with ``TITLE``, names its preset and base seed on the
``- date:`` line, holds one table row per claim (``| id | ... |``) and, under ``## Discussion``, one
``### Claim <id>: <state>`` block per claim that needs one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from msda_theory.checks.registry import CheckContext, all_checks

TITLE = "# paper_checks.md: what holds of Park, Yun & Chun (2022), claim by claim"
MODE = re.compile(r"preset `([^`]+)`\); base seed: (\d+)")


@dataclass(frozen=True)
class LedgerFile:
    """A ledger read back: its rows and discussion blocks by claim id, and its own provenance lines."""

    preset: str
    seed: int
    provenance: str
    rows: dict[str, str]
    notes: dict[str, list[str]]


def cells(row: str) -> list[str]:
    """The cells of a table row (a '|' escaped as '\\|' stays inside its cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]


def rows_order(ids: Iterable[str]) -> list[str]:
    """``ids`` in claim order (the registry's), ids no longer registered last in their given order."""
    known = [c.id for c in all_checks()]
    ids = list(dict.fromkeys(ids))
    return sorted(ids, key=lambda i: (known.index(i), 0) if i in known else (len(known), ids.index(i)))


def _notes(lines: list[str]) -> dict[str, list[str]]:
    """The ``### Claim <id>: ...`` blocks under the discussion heading, by claim id (trailing blank lines dropped)."""
    notes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        found = re.match(r"### Claim (\S+): ", line)
        if found:
            current = notes.setdefault(found.group(1), [])
        if current is not None:
            current.append(line)
    return {k: "\n".join(v).rstrip().split("\n") for k, v in notes.items()}


def read_ledger(path: Path, ctx: CheckContext) -> LedgerFile:
    """Parse the ledger at ``path``, refusing a file that is not one or one of another preset or seed.

    Raises:
        ValueError: not a claims ledger, or written with another preset or base seed than ``ctx``'s.
    """
    lines = path.read_text(errors="replace").splitlines()
    date = next((line for line in lines if line.startswith("- date: ")), "")
    mode = MODE.search(date)
    if not lines or lines[0] != TITLE or mode is None:
        raise ValueError(f"{path} exists but is not a claims ledger; pass --out a new file or an existing ledger")
    preset, seed = mode.group(1), int(mode.group(2))
    if (preset, seed) != (ctx.preset, ctx.seed):
        raise ValueError(f"{path} is a ledger of preset {preset}, seed {seed}; --only with preset {ctx.preset}, "
                         f"seed {ctx.seed} would mix two runs in it: pass another --out")
    split = lines.index("## Discussion") if "## Discussion" in lines else len(lines)
    rows = {cells(line)[0]: line for line in lines[:split] if line.startswith("| ") and not line.startswith("| # |")}
    kept = [line[2:] for line in lines if line.startswith(("- date: ", "- versions: ", "- results used: "))]
    return LedgerFile(preset, seed, "; ".join(kept), rows, _notes(lines[split:]))


__all__ = ["LedgerFile", "TITLE", "cells", "read_ledger", "rows_order"]
