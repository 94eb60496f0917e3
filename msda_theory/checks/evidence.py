"""The ledger's evidence outside the ledger: the committed results store, and a check's verdict beside its claim.

Notebooks (and anyone else who reads the stored results) use these two functions so that what they print
is what ``msda-theory check`` wrote into ``paper_checks.md``:

- ``open_results(results)`` opens the repository's committed store (``<repo>/results``, found from this
  file's location, not from the working folder) for reading; whatever it lacks is computed and written under
  a scratch folder (``$MSDA_NOTEBOOK_OUT/results`` or one under the temporary folder), never into the checkout.
- ``measured_against_predicted(ids, preset, store)`` runs the ledger's own checks on that store and returns
  one line per claim: the prediction, the one-line measurement and the verdict.
"""
from __future__ import annotations

import getpass
import inspect
import os
import tempfile
from pathlib import Path
from typing import Any, Sequence

from msda_theory.results import ResultStore, StoredResult

COMMITTED_RESULTS = Path(__file__).resolve().parents[2] / "results"
"""The results store committed with the repository (the evidence behind paper_checks.md)."""

SCRATCH_VARIABLE = "MSDA_NOTEBOOK_OUT"
"""An environment variable naming the folder for results the committed store lacks (default: under the temp folder)."""


def _stale_option() -> dict[str, bool]:
    """``{"reuse_stale": True}`` where the store takes it: stored results of older code are read, not recomputed."""
    return {"reuse_stale": True} if "reuse_stale" in inspect.signature(ResultStore).parameters else {}


def _reading(root: Path) -> ResultStore:
    return ResultStore(root, **_stale_option())


class ReadThroughStore(ResultStore):
    """Loads from ``committed`` first; computes and saves what it lacks under ``scratch`` (its ``root``)."""

    def __init__(self, committed: ResultStore, scratch: Path) -> None:
        super().__init__(scratch, **_stale_option())
        self.committed = committed

    def load(self, *key: Any, **options: Any) -> StoredResult | None:
        """The committed result of this key if there is one, else the scratch store's."""
        return self.committed.load(*key, **options) or super().load(*key, **options)

    def inspect(self, *key: Any, **options: Any) -> tuple[StoredResult | None, str]:
        """The same for stores whose ``fetch`` reads through ``inspect`` (result, why not)."""
        found = self.committed.inspect(*key, **options)  # type: ignore[attr-defined]
        return found if found[0] is not None else super().inspect(*key, **options)  # type: ignore[misc]


def scratch_folder() -> Path:
    """``$MSDA_NOTEBOOK_OUT/results`` when the variable is set, else ``<temp>/msda-theory-results-<user>`` (created
    only when something is computed; a later run reuses what it holds, as any results store does)."""
    out = os.environ.get(SCRATCH_VARIABLE)
    if out:
        return Path(out) / "results"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "user"
    return Path(tempfile.gettempdir()) / f"msda-theory-results-{user}"


def open_results(results: str | Path | None = None) -> ResultStore:
    """The store a notebook reads: ``results`` if given (read and written there), else the committed store
    read through (what it lacks is computed into ``scratch_folder()``).

    Raises:
        ValueError: ``results`` is None and the package is not running from a checkout with ``results/``.
    """
    if results is not None:
        return _reading(Path(results))
    if not COMMITTED_RESULTS.is_dir():
        raise ValueError(f"no committed results store at {COMMITTED_RESULTS} (an installed copy?); "
                         "set results = \"DIR\" to read or compute results there")
    return ReadThroughStore(_reading(COMMITTED_RESULTS), scratch_folder())


def measured_against_predicted(ids: Sequence[str], preset: str, store: ResultStore, *, seed: int = 0) -> list[str]:
    """One line per claim ``id``: its prediction, the ledger check's one-line measurement and verdict.

    The checks run exactly as ``msda-theory check --preset PRESET --results STORE`` runs them, so at the
    evidence preset on the committed store the lines agree with paper_checks.md."""
    from msda_theory.checks.ledger import run_checks, select, table_measurement
    from msda_theory.checks.registry import CheckContext

    outcomes = run_checks(select(list(ids)), CheckContext(preset=preset, seed=seed, store=store), progress=False)
    lines = [] if preset == "evidence" else [
        f"preset {preset!r}: small sizes that show the workflow, not evidence; training-based rows are smoke tests "
        "(set preset = \"evidence\" to read the committed results behind paper_checks.md)."]
    for o in outcomes:
        m = o.measurement
        measured = table_measurement(o)
        lines.append(f"claim {o.check.id} predicted: {o.check.claim}\n    measured: {measured}\n    verdict: "
                     f"{m.verdict if m else 'crashed'}")
    return lines


__all__ = ["COMMITTED_RESULTS", "ReadThroughStore", "measured_against_predicted", "open_results", "scratch_folder"]
