"""Running the checks and writing paper_checks.md, the claims ledger."""
from __future__ import annotations

import contextlib
import fcntl
import os
import platform
import re
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
import torch
from tqdm import tqdm

from msda_theory.checks.registry import VERDICTS, Check, CheckContext, Measurement, all_checks
from msda_theory.experiments import NeedsData
from msda_theory.checks.ledger_file import TITLE, LedgerFile, cells, read_ledger, rows_order
from msda_theory.io import DISK_ERRNOS, write_text_atomic
from msda_theory.results import ResultUnavailable, StoredResult, git_commit

ABSTRACT_NOTE = ("Claims marked *paper* quote or paraphrase the abstract of Park, Yun & Chun (NeurIPS 2022, "
                 "arXiv 2208.09913); claims marked *derived* are consequences of the framework in docs/theory.md that "
                 "this project derived and checks.")
ABSTRACT_MAP = ("The abstract's claims and the rows that check them: \"MSDA ... is a pixel-level regularization of the "
                "underlying training loss\": rows 4, 5, 6 (the decomposition's identities), 1a-2 (the weights a, A), 3-3c "
                "(their distance profiles, \"CutMix regularizes the input gradients by pixel distances\"), and 7 (how "
                "much of the MSDA excess the second-order truncation explains, derived); \"a regularization of the first "
                "layer parameters\": 8 (identity), 8b (trained first layers, derived); \"can improve adversarial "
                "robustness and generalization\": 9, 9b (and the logistic bound, 10); \"the optimal MSDA strategy "
                "depends on tasks\": 11; HMix and GMix \"computation cost\" and accuracy: 12a, 12b.")


@dataclass(frozen=True)
class Outcome:
    """One check's run: its measurement, or the error it crashed with, and its runtime in seconds.

    ``unavailable``: it stopped because a stored result could not be used and recomputing was off;
    ``stale``: the git commits of results of other code it used (``--no-recompute`` uses them, labelled)."""

    check: Check
    measurement: Measurement | None
    error: str
    seconds: float
    unavailable: bool = False
    stale: tuple[str, ...] = ()


def select(only: Sequence[str] | None) -> list[Check]:
    """The registered checks, or those whose ids are in ``only``."""
    checks = all_checks()
    if not only:
        return checks
    known = {c.id for c in checks}
    unknown = sorted(set(only) - known)
    if unknown:
        raise ValueError(f"unknown check id(s) {unknown}; registered: {sorted(known, key=lambda s: (len(s), s))}")
    return [c for c in checks if c.id in set(only)]


def run_checks(checks: Sequence[Check], ctx: CheckContext, *, progress: bool = True) -> list[Outcome]:
    """Run each check, timing it; a crash is recorded (with its traceback's last line), not raised, except a
    full disk or read-only store (``io.DISK_ERRNOS``), which would crash every later check too."""
    outcomes = []
    bar = tqdm(checks, desc="checks", disable=not progress)
    for c in bar:
        bar.set_postfix_str(f"claim {c.id}")
        start, used, unavailable = time.perf_counter(), len(ctx.store.served), False
        try:
            m, err = c.func(ctx), ""
        except NeedsData as missing:  # a data set that is not installed: the row says so, nothing crashed
            m, err = Measurement(value=str(missing), verdict="skipped", method=""), ""
        except ResultUnavailable as refused:  # --no-recompute: the row names the file instead of computing it
            m, err, unavailable = None, " ".join(str(refused).split()), True
        except OSError as failed:
            if failed.errno in DISK_ERRNOS:  # a full disk is the machine's failure, not the claim's: stop
                raise
            m, err = None, traceback.format_exc().strip().splitlines()[-1]
        except Exception:  # a crashed check is reported in the ledger and by the exit status
            m, err = None, traceback.format_exc().strip().splitlines()[-1]
        stale = tuple(dict.fromkeys(r.provenance.get("git_commit", "unknown") for r in ctx.store.served[used:]
                                    if r.stale))
        outcomes.append(Outcome(c, m, err, time.perf_counter() - start, unavailable, stale))
    return outcomes


CELL_MAX = 400
"""The longest table cell: a row's measured cell holds one line; its method and full measurement go below."""

NOT_HOLDING = ("fails", "inconclusive", "inconclusive (not converged)", "undecidable by design", "crashed",
               "no result")


def _cell(text: str, limit: int | None = None) -> str:
    """``text`` on one line with '|' escaped, cut to at most ``limit`` characters (ending in '…') when given."""
    cell = " ".join(str(text).split()).replace("|", "\\|")
    if limit is None or len(cell) <= limit:
        return cell
    return cell[: limit - 20].rstrip("\\").rstrip() + " … (in full below)"


def _state(o: Outcome) -> str:
    """The verdict, or 'no result' / 'crashed' for an outcome without a measurement."""
    if o.measurement is not None:
        return o.measurement.verdict
    return "no result" if o.unavailable else "crashed"


def results_line(served: Sequence[StoredResult]) -> str:
    """The header line naming the git commits and code fingerprints of the stored results a run used."""
    if not served:
        return "- results used: none (the checks of this run read no stored result)"
    def key(r: StoredResult) -> tuple:
        return r.experiment, r.preset, r.seed, r.config_hash

    unique = list({key(r): r for r in served}.values())
    computed = {key(r) for r in served if not r.reused}  # a result computed once and then read again counts once
    commits = sorted({str(r.provenance.get("git_commit", "unknown")) for r in unique})
    prints = sorted({str(r.provenance.get("code_fingerprint") or "none")[:12] for r in unique})
    line = (f"- results used: {len(unique)} stored results ({len(computed)} computed in this run) "
            f"from git {', '.join(commits)}; code fingerprints {', '.join(prints)} (each of the source its experiment's "
            "computation imports)")
    stale = sum(r.stale for r in unique)
    if stale:
        line += (f"; {stale} of them **stale** (stored by other code, used as they are under `--no-recompute` or "
                 "`--reuse-stale`; their rows say so in the runtime column)")
    return line


def _store_flags(ctx: CheckContext) -> str:
    """The options that changed how stored results were used: ' --no-recompute', ' --reuse-stale' or ''."""
    if not ctx.store.recompute:
        return " --no-recompute"
    return " --reuse-stale" if ctx.store.reuse_stale else ""


def header(ctx: CheckContext) -> list[str]:
    """The ledger's opening lines: mode, versions, machine, the provenance of the results used, notes."""
    from msda_theory import __version__

    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        TITLE,
        "",
        f"Generated by `msda-theory check {'--full' if ctx.preset == 'evidence' else '--quick'}{_store_flags(ctx)}`; "
        "do not edit by hand.",
        "",
        f"- date: {now}; mode: **{'full' if ctx.preset == 'evidence' else 'quick'}** (preset `{ctx.preset}`); "
        f"base seed: {ctx.seed}; results store: `{ctx.store.root}`",
        f"- versions: msda_theory {__version__} (git {git_commit()}), Python {platform.python_version()}, "
        f"torch {torch.__version__}, numpy {np.__version__}",
        f"- machine: {platform.machine()}, {torch.get_num_threads()} torch threads, {platform.system()} {platform.release()}",
        results_line(ctx.store.served),
        f"- {ABSTRACT_NOTE}",
        f"- {ABSTRACT_MAP}",
        "- runtime: the wall time of the check in this run; a stored result (results/<experiment>/<preset>/, "
        "reused when it verifies and was stored by the same code) was paid for when it was computed (its JSON "
        "records that wall time).",
        "- the table gives each claim's verdict and its key numbers in one line; the method, the full measurement "
        "(training-based rows: with their gates' numbers) and the discussion are in the claim's section below. "
        "Quick mode labels training-based rows smoke and gives no verdict on 9, 11, 12b.",
        "",
    ]


def table_measurement(o: Outcome) -> str:
    """The one-line measurement of an outcome (``Measurement.summary``), opening with a note when its rule was
    revised after the stored results it judges had been seen (stale results of older code, or results the
    change was made on: ``Measurement.revised_on_these``)."""
    m = o.measurement
    measured = (m.summary or m.value) if m else (o.error if o.unavailable else f"crashed: {o.error}")
    if m is not None and m.revised and (o.stale or m.revised_on_these):
        measured = f"rule revised after these results were seen (old rule and result below); {measured}"
    return measured


def _row(o: Outcome) -> str:
    """The table row of one outcome: the verdict and ``table_measurement``."""
    measured = table_measurement(o)
    runtime = f"{o.seconds:.1f} s" + (f"; stale results (git {', '.join(o.stale)})" if o.stale else "")
    return (f"| {o.check.id} | {_cell(o.check.claim, CELL_MAX)} | {o.check.source} | {_cell(measured, CELL_MAX)} | "
            f"**{_state(o)}** | `{o.check.command}` | {_cell(runtime, CELL_MAX)} |")


def _note(o: Outcome) -> list[str]:
    """One claim's section: the claim, then method, full measurement and discussion (or why there is none)."""
    m = o.measurement
    lines = [f"### Claim {o.check.id}: {_state(o)}", "", f"*{' '.join(o.check.claim.split())}*", ""]
    if m is None:
        return lines + [f"No usable stored result, and recomputing was off: {o.error}." if o.unavailable
                        else f"The check crashed: `{o.error}`."]
    return lines + [f"- **{label}.** {' '.join(text.split())}"
                    for label, text in (("Method", m.method), ("Measured", m.value), ("Discussion", m.discussion))
                    if text]


def _summary(rows: Sequence[str]) -> list[str]:
    """The summary line and the rows that do not hold, counted from the verdict and runtime cells of the rows."""
    verdicts = [cells(r)[4].strip("*") for r in rows]
    seconds = sum(float(m.group()) for r in rows if (m := re.match(r"[0-9.]+", cells(r)[6])))
    tally = ", ".join(f"{verdicts.count(v)} {v}" for v in VERDICTS if verdicts.count(v))
    missing = verdicts.count("no result")
    line = (f"**Summary:** {tally or 'none'}, {verdicts.count('crashed')} crashed, "
            + (f"{missing} without a usable stored result, " if missing else "")
            + f"of {len(rows)} checks; total runtime {seconds:.0f} s.")
    named = [f"**{v.capitalize()}:** " + ", ".join(f"claim {cells(r)[0]}" for r, w in zip(rows, verdicts) if w == v)
             for v in NOT_HOLDING if v in verdicts]
    return [line, "", *named]


def render(outcomes: Sequence[Outcome], ctx: CheckContext, previous: LedgerFile | None = None) -> str:
    """The ledger as Markdown: header, the rows that do not hold, a table of one line per claim (verdict and
    measurement), then one section per claim with its method, the full measurement and the discussion.

    With ``previous`` (a ledger read back), its rows and sections of claims not in ``outcomes`` are kept."""
    rows = {o.check.id: _row(o) for o in outcomes}
    notes = {o.check.id: _note(o) for o in outcomes}
    lines = header(ctx)
    if previous is not None:
        rows, notes = {**previous.rows, **rows}, {**previous.notes, **notes}
        lines.insert(-1, f"- this run rechecked claim(s) {', '.join(rows_order(o.check.id for o in outcomes))} "
                         f"(`--only`); the other rows are kept from the previous ledger ({previous.provenance})")
    order = rows_order(rows)
    lines += [*_summary([rows[i] for i in order]), "",
              "| # | claim | source | measured (one line; method and details below) | verdict | reproduce | runtime |",
              "|---|---|---|---|---|---|---|", *(rows[i] for i in order),
              "", "## Discussion", "", "Each claim's method, full measurement (with the numbers of its gates) and discussion.", ""]
    for i in order:
        lines += [*notes.get(i, []), ""]
    return "\n".join(lines).rstrip() + "\n"


def write_ledger(outcomes: Sequence[Outcome], ctx: CheckContext, path: str | Path, *,
                 keep_other_rows: bool = False) -> Path:
    """Write the ledger atomically (``io.write_text_atomic``: a unique temp file, one rename), under
    ``folder_lock``.

    ``keep_other_rows`` (``check --only``): an existing ledger at ``path`` keeps its other rows; only the
    rows of ``outcomes`` are replaced, so a partial run never shrinks it."""
    path = Path(path)
    with folder_lock(path.parent):
        previous = read_ledger(path, ctx) if keep_other_rows and path.is_file() else None
        return write_text_atomic(path, render(outcomes, ctx, previous))


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (waiting for it) for the body: two ``check --only`` runs writing one
    ledger take turns between reading it back and replacing it, so neither loses the other's rows. The lock is
    on the folder, not the file, because the atomic write replaces the file."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock
