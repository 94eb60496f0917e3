"""The results store: keys, provenance, reuse on a matching config hash, recompute on --rerun or a changed config."""
from __future__ import annotations

import json

import pytest

from msda_theory.results import ResultStore, config_hash


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
