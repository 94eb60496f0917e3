"""The registry of paper checks: one function per claim of docs/theory.md section 9.

A check is a function ``f(ctx: CheckContext) -> Measurement`` registered with
``@check(...)``. Analytic checks compute their (deterministic or Monte Carlo)
numbers directly; checks of trained models only judge results that
``ctx.results(name)`` fetches from the results store (``msda_theory.experiments``),
so a figure plots the very same stored result. Check modules are
``msda_theory/checks/claim_*.py`` and are discovered by ``all_checks``.

Verdicts: holds, fails, inconclusive; "no useful effect" when an equivalence
test puts the effect within its row's smallest effect of interest; "inconclusive
(not converged)" when a training gate fails; "undecidable by design" when the
measured data cannot reach either verdict (the row says why); "smoke" for a training-based row in quick mode (no verdict
on claims 9, 11, 12b); "measured" for a row that reports a property without a
verdict (1b, 12b); "skipped" when its data set is not installed.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from msda_theory.results import ResultStore

VERDICTS = ("holds", "fails", "no useful effect", "inconclusive", "inconclusive (not converged)",
            "undecidable by design", "smoke", "measured", "skipped")
UNDECIDABLE = "undecidable by design"
NOT_CONVERGED = "inconclusive (not converged)"
SOURCES = ("paper", "derived")


@dataclass(frozen=True)
class CheckContext:
    """What a check may use: the preset (quick, evidence or tiny), a seed (passed to the experiments), the
    results store (and whether to recompute what it holds) and an output folder."""

    preset: str = "quick"
    seed: int = 0
    out_dir: Path = Path("figures")
    store: ResultStore = field(default_factory=ResultStore)
    rerun: bool = False
    jobs: int = 1

    @property
    def quick(self) -> bool:
        """Small sizes (quick and tiny presets): training-based rows are smoke tests."""
        return self.preset != "evidence"

    def results(self, experiment: str) -> list[dict[str, Any]]:
        """The stored (or now computed and stored) data of every unit of ``experiment`` at this preset."""
        from msda_theory.experiments import collect

        return collect(experiment, self.preset, store=self.store, rerun=self.rerun, seed=self.seed, jobs=self.jobs)

    def result(self, experiment: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(data, config) of a single-unit ``experiment`` at this preset, from the store (computed once if missing)."""
        from msda_theory.experiments import collect_stored

        stored = collect_stored(experiment, self.preset, store=self.store, rerun=self.rerun, seed=self.seed,
                                jobs=self.jobs)
        if len(stored) != 1:
            raise ValueError(f"experiment {experiment!r} has {len(stored)} units at preset {self.preset!r}, not one")
        return stored[0].data, stored[0].config


@dataclass(frozen=True)
class Measurement:
    """A check's outcome: 'value' is human-readable and carries its uncertainty (± SE or CI); 'summary' is the
    ledger table's one line: the key numbers with their intervals, in at most 400 characters. 'revised': the
    row's rule was changed after a result of the row had been seen (its discussion gives the old rule and
    result); the ledger marks the row while it judges stored results older than the running code, and always
    when 'revised_on_these': the change was made after THESE results had been seen."""

    value: str
    verdict: str
    method: str
    details: dict[str, Any] = field(default_factory=dict)
    discussion: str = ""
    summary: str = ""
    revised: bool = False
    revised_on_these: bool = False

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")


@dataclass(frozen=True)
class Check:
    """A registered claim: its id (e.g. '1', '3b'), text, source and the command that reproduces it."""

    id: str
    claim: str
    source: str
    command: str
    func: Callable[[CheckContext], Measurement]


_REGISTRY: dict[str, Check] = {}


def check(id: str, claim: str, source: str, command: str) -> Callable[[Callable[[CheckContext], Measurement]], Callable[[CheckContext], Measurement]]:
    """Register ``func`` as the check of claim ``id``; source is 'paper' (quoted) or 'derived' (ours)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, got {source!r}")

    def register(func: Callable[[CheckContext], Measurement]) -> Callable[[CheckContext], Measurement]:
        if id in _REGISTRY and _REGISTRY[id].func is not func:
            raise ValueError(f"check {id!r} is registered twice")
        _REGISTRY[id] = Check(id=id, claim=claim, source=source, command=command, func=func)
        return func

    return register


def _register_import_failure(module: str, err: Exception) -> None:
    message = f"{type(err).__name__}: {err}"

    def crashed(ctx: CheckContext) -> Measurement:
        raise RuntimeError(f"module {module} failed to import: {message}")

    _REGISTRY[module] = Check(id=module, claim=f"(checks of {module})", source="derived",
                              command="msda-theory check", func=crashed)


def _sort_key(check_id: str) -> tuple[int, str]:
    digits = "".join(c for c in check_id if c.isdigit())
    return int(digits or 0), check_id


def all_checks() -> list[Check]:
    """Every registered check, after importing each ``claim_*`` module, in claim order."""
    package = importlib.import_module("msda_theory.checks")
    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("claim_"):
            try:
                importlib.import_module(f"msda_theory.checks.{module.name}")
            except Exception as err:  # a broken module is reported as a crashed check, not a crashed run
                _register_import_failure(module.name, err)
    return sorted(_REGISTRY.values(), key=lambda c: _sort_key(c.id))
