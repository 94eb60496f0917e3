"""A tampered or malformed stored result is recomputed (or refused with recompute=False), never used.

Each case starts from a genuine stored result of the key ``KEY`` (data ``TRUTH``), damages the file the
way the store-verification issue describes (an edited config under its old hash, another config's file
with its hash rewritten, seed 1's file in seed 0's place, NaN/Infinity literals, a top-level list, no
``data``, fields of the wrong type, 100k-deep nesting, a folder, a FIFO, a 2 GiB sparse file), plants
``PLANTED`` wherever it can, and checks that ``fetch`` returns the recomputed ``TRUTH`` while a store
with ``recompute=False`` raises ``ResultUnavailable`` naming the file. Every case is counted in the fuzz
summary (``OUTCOMES``).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any, Callable

import pytest

from msda_theory import results
from msda_theory.results import ResultStore, ResultUnavailable, config_hash

from conftest import OUTCOMES, assert_clean_error, run_cli, snapshot

KEY = ("exp", "tiny", 0, {"n": 1})
TRUTH = {"slope": 3.0, "rows": [1, 2]}
PLANTED = {"slope": 99.0, "rows": [9, 9]}


def _stored(root: Path, seed: int = 0, config: dict[str, Any] | None = None,
            data: dict[str, Any] | None = None) -> Path:
    """Store a genuine result of (exp, tiny, seed, config) holding ``data`` (default TRUTH); return its file."""
    config = KEY[3] if config is None else config
    store = ResultStore(root)
    store.fetch("exp", "tiny", seed, config, lambda: dict(data or TRUTH))
    return store.path("exp", "tiny", seed, config)


def _edit(path: Path, change: Callable[[dict[str, Any]], Any]) -> None:
    raw = json.loads(path.read_text())
    path.write_text(json.dumps(change(raw)))


def _with(raw: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**raw, **fields}


def edited_config_kept_hash(path: Path) -> None:
    _edit(path, lambda raw: _with(raw, config={"n": 2}, data=PLANTED))


def another_configs_result_rehashed(path: Path) -> None:
    other = _stored(path.parents[2], config={"n": 2}, data=PLANTED)
    _edit(other, lambda raw: _with(raw, config_hash=config_hash(KEY[3])))
    os.replace(other, path)


def seed_one_in_place_of_seed_zero(path: Path) -> None:
    os.replace(_stored(path.parents[2], seed=1, data=PLANTED), path)


def nan_literal(path: Path) -> None:
    path.write_text(path.read_text().replace('"slope": 3.0', '"slope": NaN'))


def infinity_literal(path: Path) -> None:
    path.write_text(path.read_text().replace('"slope": 3.0', '"slope": -Infinity'))


def top_level_list(path: Path) -> None:
    path.write_text(json.dumps([json.loads(path.read_text())]))


def no_data(path: Path) -> None:
    _edit(path, lambda raw: {k: v for k, v in raw.items() if k != "data"})


def data_of_wrong_type(path: Path) -> None:
    _edit(path, lambda raw: _with(raw, data=[PLANTED]))


def seed_of_wrong_type(path: Path) -> None:
    _edit(path, lambda raw: _with(raw, seed="0", data=PLANTED))


def rows_of_wrong_type(path: Path) -> None:  # caught by the experiment's own data check (``validate``)
    _edit(path, lambda raw: _with(raw, data={**raw["data"], "rows": "9,9"}))


def deep_nesting(path: Path) -> None:
    path.write_text("[" * 100_000 + "]" * 100_000)


def deep_nesting_inside_data(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace('"rows": [', '"deep": ' + "[" * 100_000 + "]" * 100_000 + ', "rows": [', 1))


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def huge_sparse_file(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(2 * 2**30)  # 2 GiB, sparse: no disk used; reading it whole would take gigabytes


def not_utf8(path: Path) -> None:
    path.write_bytes(b"\xff\xfe" + path.read_bytes())


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


TAMPERS = [edited_config_kept_hash, another_configs_result_rehashed, seed_one_in_place_of_seed_zero, nan_literal,
           infinity_literal, top_level_list, no_data, data_of_wrong_type, seed_of_wrong_type, rows_of_wrong_type,
           deep_nesting, deep_nesting_inside_data, fifo, huge_sparse_file, not_utf8, truncated]


def _validate(data: dict[str, Any]) -> str | None:
    return None if isinstance(data.get("rows"), list) else "data fields ['rows'] have the wrong type"


def _fetch_in_thread(store: ResultStore, compute: Callable[[], dict[str, Any]]) -> Any:
    """``store.fetch(*KEY)`` with a 60 s limit (a FIFO opened for blocking reading would hang forever)."""
    box: list[Any] = []

    def target() -> None:
        try:
            box.append(store.fetch(*KEY, compute, validate=_validate))
        except Exception as err:  # noqa: BLE001 (returned to the test, which judges it)
            box.append(err)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(60)
    assert box, "fetch hung on the tampered file"
    return box[0]


@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__)
def test_a_tampered_result_is_refused_without_recompute_and_recomputed_otherwise(tmp_path, tamper) -> None:
    path = _stored(tmp_path)
    tamper(path)
    refused = _fetch_in_thread(ResultStore(tmp_path, recompute=False, reuse_stale=True), lambda: PLANTED)
    ok = isinstance(refused, ResultUnavailable) and str(path) in str(refused)
    calls: list[int] = []
    again = _fetch_in_thread(ResultStore(tmp_path), lambda: calls.append(1) or dict(TRUTH))
    ok = ok and not isinstance(again, Exception) and again.data == TRUTH and not again.reused and calls == [1]
    OUTCOMES.append("clean" if ok else ("traceback" if isinstance(again, Exception) else "other"))
    assert isinstance(refused, ResultUnavailable) and str(path) in str(refused), refused
    assert again.data == TRUTH and not again.reused and calls == [1], again
    reread = ResultStore(tmp_path).load(*KEY, validate=_validate)  # the recomputed file verifies
    assert reread is not None and reread.data == TRUTH


def test_a_folder_in_place_of_the_file_is_refused_before_computing(tmp_path) -> None:
    path = _stored(tmp_path)
    path.unlink()
    (path / "inner").mkdir(parents=True)
    calls: list[int] = []
    with pytest.raises(ValueError, match=r"cannot store the result at .*: a folder is in the way"):
        ResultStore(tmp_path).fetch(*KEY, lambda: calls.append(1) or PLANTED)
    assert calls == []
    with pytest.raises(ResultUnavailable, match=r"no usable stored result .*not a regular file"):
        ResultStore(tmp_path, recompute=False).fetch(*KEY, lambda: PLANTED)
    OUTCOMES.append("clean")


def test_a_stale_result_is_recomputed_and_its_fingerprint_recorded(tmp_path, monkeypatch) -> None:
    path = _stored(tmp_path, data=PLANTED)
    monkeypatch.setattr(results, "code_fingerprint", lambda: "f" * 64)  # the code changed since it was stored
    with pytest.raises(ResultUnavailable, match=r"stored by other code \(git \S+, code fingerprint \w{12}; "
                                                r"running ffffffffffff\)"):
        ResultStore(tmp_path, recompute=False).fetch(*KEY, lambda: TRUTH)
    result = ResultStore(tmp_path).fetch(*KEY, lambda: dict(TRUTH))
    assert result.data == TRUTH and not result.reused
    assert json.loads(path.read_text())["provenance"]["code_fingerprint"] == "f" * 64
    OUTCOMES.append("clean")


def test_check_no_recompute_names_the_tampered_file_and_exits_2(tmp_path) -> None:
    store_root, ledger = tmp_path / "results", tmp_path / "ledger.md"
    args = ["--quiet", "check", "--preset", "tiny", "--only", "12a", "--no-recompute", "--results", str(store_root),
            "--out", str(ledger), "--figures-dir", str(tmp_path / "figures")]
    result = run_cli(args)  # an empty store: the cost experiment's result is missing
    lines = result.err.strip().splitlines()
    ok = not result.crashed and result.status == 2 and len(lines) == 1 and "lack a usable stored result" in lines[0]
    OUTCOMES.append("clean" if ok else "other")
    assert ok, result.err
    assert "missing (recomputing is off: --no-recompute)" in lines[0] and "cost/tiny/seed0-" in lines[0]
    assert "| 12a |" in ledger.read_text() and "**no result**" in ledger.read_text()


def test_a_sweep_with_another_lr_into_the_same_folder_is_one_line_naming_overwrite(tmp_path) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "sweep"
    argv = ["sweep", "--model", "linear", "--epochs", "1", "--subset", "32", "--test-subset", "16",
            "--batch-size", "16", "--strategies", "none", "--seeds", "0", "--out", str(out)]
    first = run_cli(argv)
    assert first.status == 0, first.err
    before = snapshot(tmp_path)
    metrics = next(out.rglob("metrics.json"))
    kept = metrics.read_bytes()
    assert_clean_error(run_cli([*argv, "--lr", "0.5"]), before, snapshot(tmp_path), "pass --overwrite")
    assert metrics.read_bytes() == kept
    assert run_cli([*argv, "--lr", "0.5", "--overwrite"]).status == 0
    assert json.loads(metrics.read_text())["config"]["lr"] == 0.5


def test_a_recompute_logs_one_line_why_and_leaves_no_temp_file(tmp_path, caplog) -> None:
    path = _stored(tmp_path)
    truncated(path)
    with caplog.at_level(logging.INFO, logger="msda_theory.results"):
        ResultStore(tmp_path).fetch(*KEY, lambda: dict(TRUTH))
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and messages[0].startswith(f"recomputing {path}: unreadable ({path} is not valid JSON (")
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
