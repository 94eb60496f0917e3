"""The results store: every experiment writes its result here, checks and figures read it back.

One JSON file per (experiment, preset, seed, config):

    results/<experiment>/<preset>/seed<seed>-<hash>.json,   hash = sha256(canonical JSON of config)[:12]

holding ``{"experiment", "preset", "seed", "config", "config_hash", "data", "provenance"}`` where
provenance records the git commit, the code fingerprint (sha256 of the source the result depends on:
the experiments pass ``module_fingerprint`` of their unit's module, the files it imports transitively;
``code_fingerprint``, the whole package's source, otherwise), the versions, the machine and the wall time. ``fetch`` reuses a stored result
only when it verifies: strict JSON under the size cap (``io.read_json``), the seven fields with their
types, a config whose recomputed hash is its ``config_hash``, and experiment, preset, seed and hash
equal to the request, computed by the code running now. Anything else is recomputed and overwritten
(one log line says why), never used; ``rerun=True`` recomputes. A result of other code is "stale":
recomputed by default, used and flagged (``StoredResult.stale``) with ``reuse_stale=True``. With
``recompute=False`` a result that cannot be used raises ``ResultUnavailable`` naming the file.
Writes are atomic (``msda_theory.io``).
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import platform
import subprocess
import time
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from msda_theory.io import dumps, read_json, write_json_atomic

DEFAULT_ROOT = Path("results")
FIELDS: dict[str, type] = {"experiment": str, "preset": str, "seed": int, "config": dict, "config_hash": str,
                           "data": dict, "provenance": dict}
"""The fields of a stored result and their JSON types (the schema ``load`` checks)."""
logger = logging.getLogger(__name__)
Validator = Callable[[dict[str, Any]], "str | None"]


def config_hash(config: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``config`` (sorted keys), first 12 hex digits."""
    text = json.dumps(json.loads(dumps(config)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


@functools.cache
def git_commit() -> str:
    """The short hash of the commit checked out where the package lives, or 'unknown' outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def source_fingerprint(package: Path) -> str:
    """sha256 over the sorted (relative path, size, bytes) of every .py file under ``package`` (hex)."""
    return files_fingerprint(package, list(package.rglob("*.py")))


@functools.cache
def code_fingerprint() -> str:
    """``source_fingerprint`` of the msda_theory package that is running, computed once per process.

    A result stored by other code has another fingerprint: it is stale."""
    return source_fingerprint(Path(__file__).parent)


def _module_file(package: Path, module: str) -> Path | None:
    """The source file of ``module`` ('msda_theory.a.b') inside ``package``: a/b.py or a/b/__init__.py, or None."""
    parts = module.split(".")[1:]
    base = package.joinpath(*parts)
    for candidate in (base.with_suffix(".py") if parts else None, base / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _imported_modules(file: Path, module: str) -> set[str]:
    """Every 'msda_theory…' module that ``file`` (module ``module``) imports anywhere, late imports included;
    ``from X import name`` counts X and X.name (name may be a submodule)."""
    import ast

    is_package = file.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_bytes(), str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                source = ".".join(anchor + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "msda_theory" or name.startswith("msda_theory.")}


CONFIG_ONLY = frozenset({"msda_theory.experiments.presets"})
"""Modules left out of every ``module_closure``: the presets only say what each experiment runs (its unit seeds and
config), and both are the store key, so a preset edit changes the key of exactly the experiments it changes;
no experiment's computation imports them (``tests/checks/test_results_store.py`` checks it)."""


def module_closure(package: Path, module: str) -> list[Path]:
    """The source files ``module`` runs when imported: its own, its parent packages' ``__init__.py`` and,
    transitively, those of every msda_theory module it imports (found by reading the source, not by running it),
    ``CONFIG_ONLY`` aside."""
    files: dict[str, Path] = {}
    todo = [module]
    while todo:
        name = todo.pop()
        parents = [".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)]
        for each in (*parents, name):
            if each in files or each in CONFIG_ONLY:
                continue
            file = _module_file(package, each)
            if file is None:
                continue  # an attribute imported by name, not a module
            files[each] = file
            todo.extend(_imported_modules(file, each))
    return sorted(set(files.values()))


def files_fingerprint(package: Path, files: list[Path]) -> str:
    """sha256 over the sorted (path relative to ``package``, size, bytes) of ``files`` (hex)."""
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.relative_to(package).as_posix()):
        body = file.read_bytes()
        digest.update(f"{file.relative_to(package).as_posix()}\0{len(body)}\0".encode())
        digest.update(body)
    return digest.hexdigest()


@functools.cache
def module_fingerprint(module: str) -> str:
    """The fingerprint of the source ``module`` depends on (``module_closure`` of the running package), once per
    process: an edit elsewhere in the package (a check, a figure, the CLI) leaves it unchanged."""
    package = Path(__file__).parent
    if _module_file(package, module) is None:
        raise ValueError(f"no module {module!r} in the msda_theory package")
    return files_fingerprint(package, module_closure(package, module))


def provenance(wall_seconds: float, fingerprint: str | None = None) -> dict[str, Any]:
    """Git commit, code fingerprint (``fingerprint``, default the whole package's), versions, machine and wall
    time of a result computed now."""
    from msda_theory import __version__

    return {
        "git_commit": git_commit(), "code_fingerprint": fingerprint or code_fingerprint(), "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": {"msda_theory": __version__, "python": platform.python_version(), "torch": torch.__version__,
                     "numpy": np.__version__},
        "machine": {"arch": platform.machine(), "system": f"{platform.system()} {platform.release()}",
                    "torch_threads": torch.get_num_threads(), "device": "cpu"},
        "wall_seconds": wall_seconds,
    }


class ResultUnavailable(ValueError):
    """A stored result is missing, invalid or stale and the store may not recompute it (``recompute=False``)."""


@dataclass(frozen=True)
class StoredResult:
    """One stored result: its key, the experiment's plain ``data`` dict and its provenance.

    ``reused``: read from the store, not computed now; ``stale``: stored by other code (another fingerprint)."""

    experiment: str
    preset: str
    seed: int
    config: dict[str, Any]
    config_hash: str
    data: dict[str, Any]
    provenance: dict[str, Any]
    reused: bool = False
    stale: bool = False


def _check_key(experiment: str, preset: str, seed: int) -> None:
    for name, value in (("experiment", experiment), ("preset", preset)):
        if not isinstance(value, str) or not value or not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"{name} must be a non-empty name of letters, digits, '-' or '_', got {value!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def schema_problem(raw: Any) -> str | None:
    """Why ``raw`` is not a stored result (not an object, missing fields, fields of the wrong type), or None."""
    if not isinstance(raw, dict):
        return f"the top level is a JSON {type(raw).__name__}, not an object"
    missing = [k for k in FIELDS if k not in raw]
    if missing:
        return f"fields {missing} are missing"
    wrong = [k for k, kind in FIELDS.items() if not isinstance(raw[k], kind) or isinstance(raw[k], bool)]
    return f"fields {wrong} have the wrong type" if wrong else None


def key_problem(raw: dict[str, Any], experiment: str, preset: str, seed: int, config: dict[str, Any]) -> str | None:
    """Why a well-formed stored result is not the result of this key, or None.

    Its config must hash to its ``config_hash`` (an edited config with a kept hash fails here), and
    experiment, preset, seed and hash must equal the request's."""
    if config_hash(raw["config"]) != raw["config_hash"]:
        return f"its config hashes to {config_hash(raw['config'])}, not its config_hash {raw['config_hash']!r}"
    wanted = {"experiment": experiment, "preset": preset, "seed": seed, "config_hash": config_hash(config)}
    for name, value in wanted.items():
        if raw[name] != value:
            return f"its {name} is {raw[name]!r}, not {value!r}"
    return None


def _stale_reason(raw: dict[str, Any], fingerprint: str) -> str | None:
    """Why a verified result comes from other code (its fingerprint is not ``fingerprint``, or absent), or None."""
    stored = raw["provenance"].get("code_fingerprint")
    if stored == fingerprint:
        return None
    commit = raw["provenance"].get("git_commit", "unknown")
    what = "no code fingerprint" if stored is None else f"code fingerprint {str(stored)[:12]}"
    return f"stored by other code (git {commit}, {what}; running {fingerprint[:12]})"


class ResultStore:
    """JSON results under ``root`` (default ``results/``), keyed by experiment, preset, seed and config hash.

    ``reuse_stale``: use results of other code (flagged ``stale``) instead of recomputing them;
    ``recompute=False``: raise ``ResultUnavailable`` instead of computing a missing, invalid or stale result."""

    def __init__(self, root: str | Path = DEFAULT_ROOT, *, reuse_stale: bool = False, recompute: bool = True) -> None:
        self.root = Path(root)
        self.reuse_stale = reuse_stale
        self.recompute = recompute
        self.fresh: set[Path] = set()  # written by this store object: a rerun recomputes each key once
        self.served: list[StoredResult] = []  # every result fetch returned, in order (the ledger's provenance)
        self._warned: set[str] = set()

    def path(self, experiment: str, preset: str, seed: int, config: dict[str, Any]) -> Path:
        """results/<experiment>/<preset>/seed<seed>-<hash>.json."""
        _check_key(experiment, preset, seed)
        return self.root / experiment / preset / f"seed{seed}-{config_hash(config)}.json"

    def inspect(self, experiment: str, preset: str, seed: int, config: dict[str, Any],
                validate: Validator | None = None, fingerprint: str | None = None) -> tuple[StoredResult | None, str]:
        """(the usable stored result or None, why not: '' when usable, else missing / invalid / stale reason).

        ``validate(data)``: the experiment's own check of its data's shape (a reason string, or None);
        ``fingerprint``: the code fingerprint a fresh result has (default: the whole package's, ``code_fingerprint``;
        the experiments pass the fingerprint of the source their computation imports)."""
        target = self.path(experiment, preset, seed, config)
        if not os.path.lexists(target):
            return None, "missing"
        try:
            raw = read_json(target)
        except (OSError, ValueError) as err:
            return None, f"unreadable ({' '.join(str(err).split())[:300]})"
        problem = schema_problem(raw) or key_problem(raw, experiment, preset, seed, config)
        problem = problem or (validate(raw["data"]) if validate is not None else None)
        if problem:
            return None, f"invalid: {problem}"
        stale = _stale_reason(raw, fingerprint or code_fingerprint())
        if stale and not self.reuse_stale:
            return None, stale
        fields = {k: raw[k] for k in FIELDS}
        return StoredResult(**fields, reused=True, stale=stale is not None), ""

    def load(self, experiment: str, preset: str, seed: int, config: dict[str, Any],
             validate: Validator | None = None, fingerprint: str | None = None) -> StoredResult | None:
        """The stored result of this key if it verifies (see the module docstring and ``inspect``), else None."""
        return self.inspect(experiment, preset, seed, config, validate, fingerprint)[0]

    def save(self, experiment: str, preset: str, seed: int, config: dict[str, Any], data: dict[str, Any],
             wall_seconds: float, fingerprint: str | None = None) -> StoredResult:
        """Write the result atomically (non-finite floats as null) and return it."""
        target = self.path(experiment, preset, seed, config)
        result = StoredResult(experiment, preset, seed, config, config_hash(config), data,
                              provenance(wall_seconds, fingerprint))
        write_json_atomic(target, {k: getattr(result, k) for k in
                                   ("experiment", "preset", "seed", "config", "config_hash", "data", "provenance")},
                          nonfinite="null")
        return StoredResult(**{**result.__dict__, "data": read_json(target)["data"]})

    def fetch(self, experiment: str, preset: str, seed: int, config: dict[str, Any],
              compute: Callable[[], dict[str, Any]], *, rerun: bool = False,
              validate: Validator | None = None, fingerprint: str | None = None) -> StoredResult:
        """The stored result if it verifies (module docstring) and not ``rerun``; else ``compute()``, stored.

        With ``rerun`` a key is recomputed once per store object (a second check reading it reuses it).

        Raises:
            ResultUnavailable: the result must be computed and the store has ``recompute=False``.
            ValueError: a folder stands where the result file goes."""
        target = self.path(experiment, preset, seed, config)
        if not rerun or target in self.fresh:
            stored, why = self.inspect(experiment, preset, seed, config, validate, fingerprint)
            if stored is not None:  # computed by this store's workers (``fresh``): not a reuse
                return self._serve(replace(stored, reused=False) if target in self.fresh else stored)
            if not self.recompute:
                raise ResultUnavailable(f"no usable stored result {target}: {why} (recomputing is off: --no-recompute)")
            if why != "missing":
                logger.info("recomputing %s: %s", target, why)
        elif not self.recompute:
            raise ResultUnavailable(f"cannot rerun {target}: recomputing is off (--no-recompute)")
        if target.is_dir():
            raise ValueError(f"cannot store the result at {target}: a folder is in the way (move it to recompute)")
        start = time.perf_counter()
        data = compute()
        self.fresh.add(self.path(experiment, preset, seed, config))
        return self._serve(self.save(experiment, preset, seed, config, data, time.perf_counter() - start,
                                     fingerprint))

    def _serve(self, result: StoredResult) -> StoredResult:
        """Record ``result`` as used, warning once per experiment when it is stale."""
        self.served.append(result)
        if result.stale and result.experiment not in self._warned:
            self._warned.add(result.experiment)
            logger.warning("using stored %s results of other code (git %s) as they are (stale)",
                           result.experiment, result.provenance.get("git_commit", "unknown"))
        return result


__all__ = ["DEFAULT_ROOT", "FIELDS", "ResultStore", "ResultUnavailable", "StoredResult", "code_fingerprint",
           "config_hash", "files_fingerprint", "git_commit", "key_problem", "module_closure", "module_fingerprint",
           "provenance", "schema_problem", "source_fingerprint"]
