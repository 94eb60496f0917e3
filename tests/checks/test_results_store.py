"""The results store: keys, provenance, reuse on a matching config hash, recompute on --rerun or a changed config,
code fingerprints (stale results recomputed, or used and flagged with reuse_stale), recompute=False refusals.
Tampered and malformed files: tests/fuzz/test_store_tampering.py."""
from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from msda_theory import results
from msda_theory.results import (
    ResultStore, ResultUnavailable, code_fingerprint, config_hash, git_commit, source_fingerprint,
)


def test_hash_is_canonical_and_sensitive() -> None:
    assert config_hash({"a": 1, "b": (2, 3)}) == config_hash({"b": [2, 3], "a": 1})
    assert config_hash({"a": 1}) != config_hash({"a": 2})
    assert len(config_hash({})) == 12


def test_fetch_stores_with_provenance_and_reuses(tmp_path) -> None:
    store, calls = ResultStore(tmp_path), []

    def compute():
        calls.append(1)
        return {"value": 0.5, "nan": float("nan")}

    first = store.fetch("exp", "tiny", 3, {"n": 1}, compute)
    path = tmp_path / "exp" / "tiny" / f"seed3-{config_hash({'n': 1})}.json"
    raw = json.loads(path.read_text())
    assert raw["config"] == {"n": 1} and raw["config_hash"] == config_hash({"n": 1})
    assert {"git_commit", "versions", "machine", "wall_seconds"} <= set(raw["provenance"])
    assert raw["data"]["nan"] is None and first.data == raw["data"]
    second = ResultStore(tmp_path).fetch("exp", "tiny", 3, {"n": 1}, compute)
    assert second.reused and second.data == first.data and len(calls) == 1
    ResultStore(tmp_path).fetch("exp", "tiny", 3, {"n": 2}, compute)  # another config: computed
    assert len(calls) == 2


def test_rerun_recomputes_each_key_once_per_store(tmp_path) -> None:
    calls = []
    ResultStore(tmp_path).fetch("exp", "tiny", 0, {}, lambda: calls.append(1) or {})
    store = ResultStore(tmp_path)
    for _ in range(2):
        store.fetch("exp", "tiny", 0, {}, lambda: calls.append(1) or {}, rerun=True)
    assert len(calls) == 2


@pytest.mark.parametrize("key, message", [
    (("", "tiny", 0), "experiment must be a non-empty name"),
    (("exp", "a/b", 0), "preset must be a non-empty name"),
    (("exp", "tiny", -1), "seed must be a non-negative integer"),
])
def test_bad_keys(tmp_path, key, message) -> None:
    with pytest.raises(ValueError, match=message):
        ResultStore(tmp_path).path(*key, {})


def test_provenance_records_the_code_fingerprint_and_commit(tmp_path) -> None:
    result = ResultStore(tmp_path).fetch("exp", "tiny", 0, {}, lambda: {"v": 1})
    assert result.provenance["code_fingerprint"] == code_fingerprint() and len(code_fingerprint()) == 64
    assert result.provenance["git_commit"] == git_commit() and not result.stale


def test_the_fingerprint_covers_every_py_file_of_the_package_and_nothing_else(tmp_path) -> None:
    package = Path(results.__file__).parent
    copy = tmp_path / "msda_theory"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert source_fingerprint(copy) == code_fingerprint()
    (copy / "notes.txt").write_text("not source")
    assert source_fingerprint(copy) == code_fingerprint()
    masks = copy / "masks" / "mixup.py"
    masks.write_bytes(masks.read_bytes() + b"\n")
    changed = source_fingerprint(copy)
    assert changed != code_fingerprint()
    (copy / "masks" / "mixup.py").rename(copy / "masks" / "mixup2.py")  # same bytes under another name
    assert source_fingerprint(copy) not in (changed, code_fingerprint())


def _committed_like(root: Path, data: dict) -> Path:
    """A stored result as the committed ones are: valid, but without a code fingerprint (older code)."""
    ResultStore(root).fetch("exp", "tiny", 0, {"n": 1}, lambda: data)
    path = ResultStore(root).path("exp", "tiny", 0, {"n": 1})
    raw = json.loads(path.read_text())
    del raw["provenance"]["code_fingerprint"]
    raw["provenance"]["git_commit"] = "ce5f99a"
    path.write_text(json.dumps(raw))
    return path


def test_a_result_of_other_code_is_recomputed_by_default(tmp_path) -> None:
    path = _committed_like(tmp_path, {"v": "old"})
    with pytest.raises(ResultUnavailable, match=r"stored by other code \(git ce5f99a, no code fingerprint"):
        ResultStore(tmp_path, recompute=False).fetch("exp", "tiny", 0, {"n": 1}, lambda: {"v": "new"})
    result = ResultStore(tmp_path).fetch("exp", "tiny", 0, {"n": 1}, lambda: {"v": "new"})
    assert result.data == {"v": "new"} and not result.reused
    assert json.loads(path.read_text())["provenance"]["code_fingerprint"] == code_fingerprint()


def test_reuse_stale_uses_it_flagged_and_warns_once_per_experiment(tmp_path, caplog) -> None:
    _committed_like(tmp_path, {"v": "old"})
    store = ResultStore(tmp_path, reuse_stale=True)
    with caplog.at_level(logging.WARNING, logger="msda_theory.results"):
        first = store.fetch("exp", "tiny", 0, {"n": 1}, lambda: {"v": "new"})
        again = store.fetch("exp", "tiny", 0, {"n": 1}, lambda: {"v": "new"})
    assert first.data == again.data == {"v": "old"} and first.stale and first.reused
    warnings = [r.getMessage() for r in caplog.records]
    assert warnings == ["using stored exp results of other code (git ce5f99a) as they are (stale)"]
    assert [r.stale for r in store.served] == [True, True]


def test_no_recompute_refuses_a_missing_result_and_a_rerun(tmp_path) -> None:
    store = ResultStore(tmp_path, recompute=False)
    with pytest.raises(ResultUnavailable, match=r"no usable stored result .*seed0-\w{12}\.json: missing"):
        store.fetch("exp", "tiny", 0, {}, lambda: {})
    ResultStore(tmp_path).fetch("exp", "tiny", 0, {}, lambda: {"v": 1})
    assert store.fetch("exp", "tiny", 0, {}, lambda: {}).data == {"v": 1}
    with pytest.raises(ResultUnavailable, match=r"cannot rerun .*: recomputing is off"):
        store.fetch("exp", "tiny", 0, {}, lambda: {}, rerun=True)


def test_collect_recomputes_data_of_the_wrong_shape(tmp_path, monkeypatch) -> None:
    from msda_theory import experiments

    calls = []
    fake = experiments.Experiment("taylor", lambda preset: [(0, {"k": 1})],
                                  lambda config, seed: calls.append(1) or {"ts": [1.0], "rows": []},
                                  {"ts": list, "rows": list})
    monkeypatch.setitem(experiments.EXPERIMENTS, "taylor", fake)
    store = ResultStore(tmp_path)
    experiments.collect("taylor", "tiny", store=store)
    path = store.path("taylor", "tiny", 0, {"k": 1})
    raw = json.loads(path.read_text())
    path.write_text(json.dumps({**raw, "data": {"ts": [1.0], "rows": "planted"}}))
    assert experiments.collect("taylor", "tiny", store=ResultStore(tmp_path)) == [{"ts": [1.0], "rows": []}]
    assert len(calls) == 2


def _loaded_files(module: str) -> set[str]:
    """The msda_theory source files a fresh interpreter has loaded after importing ``module`` (package-relative)."""
    code = ("import importlib, sys, pathlib; importlib.import_module(sys.argv[1]); import msda_theory as m; "
            "root = pathlib.Path(m.__file__).parent; print('\\n'.join(str(pathlib.Path(v.__file__).relative_to(root)) "
            "for k, v in list(sys.modules.items()) if k.startswith('msda_theory') and getattr(v, '__file__', None)))")
    out = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", ["msda_theory.experiments.trained_model", "msda_theory.experiments.small",
                                    "msda_theory.experiments.analytic", "msda_theory.experiments.tracking"])
def test_the_closure_holds_every_file_an_import_of_the_module_runs(module) -> None:
    package = Path(results.__file__).parent
    closure = {str(f.relative_to(package)) for f in results.module_closure(package, module)}
    config_only = {str(results._module_file(package, m).relative_to(package)) for m in results.CONFIG_ONLY}
    # what importing the presets loads (the package they name for their configs) may be loaded without being run
    by_presets = {str(f.relative_to(package)) for m in results.CONFIG_ONLY
                  for name in results._imported_modules(results._module_file(package, m), m)
                  for f in results.module_closure(package, name)}
    assert _loaded_files(module) - config_only - by_presets <= closure
    assert not closure & config_only
    assert not any(f.startswith(("checks/", "figures/", "cli/")) for f in closure)  # the layers above


def test_an_edit_above_the_experiments_keeps_their_fingerprint_and_an_edit_below_changes_it(tmp_path) -> None:
    package = Path(results.__file__).parent
    copy = tmp_path / "msda_theory"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    module = "msda_theory.experiments.trained_model"

    def fingerprint() -> str:
        return results.files_fingerprint(copy, results.module_closure(copy, module))

    assert fingerprint() == results.module_fingerprint(module)
    claim = copy / "checks" / "claim_09_robustness.py"
    claim.write_bytes(claim.read_bytes() + b"\n# an edit of a check\n")
    assert fingerprint() == results.module_fingerprint(module)
    pgd = copy / "attacks" / "pgd.py"
    pgd.write_bytes(pgd.read_bytes() + b"\n")
    assert fingerprint() != results.module_fingerprint(module)


def test_a_preset_edit_keeps_every_fingerprint_and_changes_only_its_experiments_keys(tmp_path) -> None:
    """The presets are config (CONFIG_ONLY): editing one leaves every code fingerprint, and a changed value moves
    the store key of the experiment that reads it only."""
    from msda_theory import experiments

    package = Path(results.__file__).parent
    copy = tmp_path / "msda_theory"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    modules = sorted({exp.module for exp in experiments.EXPERIMENTS.values()})
    before = {m: results.files_fingerprint(copy, results.module_closure(copy, m)) for m in modules}
    presets = copy / "experiments" / "presets.py"
    presets.write_bytes(presets.read_bytes().replace(b"GLOBAL_AMPLITUDE = 0.3", b"GLOBAL_AMPLITUDE = 0.25"))
    assert b"GLOBAL_AMPLITUDE = 0.25" in presets.read_bytes()
    assert {m: results.files_fingerprint(copy, results.module_closure(copy, m)) for m in modules} == before
    init = copy / "experiments" / "__init__.py"  # the registry is code: editing it still moves them all
    init.write_bytes(init.read_bytes() + b"\n")
    assert all(results.files_fingerprint(copy, results.module_closure(copy, m)) != before[m] for m in modules)


def test_no_computation_imports_the_presets() -> None:
    """CONFIG_ONLY is sound only if what experiments run never reads the presets: among the modules of every
    experiment's closure, only the registry (experiments/__init__.py, which builds the units) imports them."""
    from msda_theory import experiments

    package = Path(results.__file__).parent
    readers = set()
    for module in {exp.module for exp in experiments.EXPERIMENTS.values()}:
        for file in results.module_closure(package, module):
            name = "msda_theory." + ".".join(file.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
            if results.CONFIG_ONLY & results._imported_modules(file, name.removesuffix(".__init__")):
                readers.add(file.relative_to(package).as_posix())
    assert readers == {"experiments/__init__.py"}


def test_the_experiments_store_the_fingerprint_of_their_module(tmp_path) -> None:
    from msda_theory import experiments

    exp = experiments.EXPERIMENTS["identity"]
    [stored] = experiments.collect_stored("identity", "tiny", store=ResultStore(tmp_path))
    assert stored.provenance["code_fingerprint"] == results.module_fingerprint(exp.module) != code_fingerprint()
    assert ResultStore(tmp_path, recompute=False).load("identity", "tiny", stored.seed, stored.config,
                                                       fingerprint=exp.fingerprint()) is not None
    assert ResultStore(tmp_path, recompute=False).load("identity", "tiny", stored.seed, stored.config) is None
