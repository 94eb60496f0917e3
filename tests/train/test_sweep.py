"""Sweeps: local joblib backend, the results table with t-intervals, skipping finished jobs."""
import json
import math
import re
from dataclasses import replace

import pytest
from scipy import stats

from msda_theory.train import TrainConfig, is_finished
from msda_theory.train.sweep import confidence_interval, run_dir, run_sweep
from msda_theory.train.task import Task


def test_confidence_interval_is_the_t_interval():
    values = [0.8, 0.9, 0.85]
    mean, half = confidence_interval(values)
    sd = math.sqrt(sum((v - 0.85) ** 2 for v in values) / 2)
    assert mean == pytest.approx(0.85) and half == pytest.approx(stats.t.ppf(0.975, 2) * sd / math.sqrt(3))
    assert confidence_interval([0.5]) == (0.5, None)


def test_local_sweep_writes_the_table_and_skips_finished_jobs(tmp_path, monkeypatch):
    pytest.importorskip("sklearn")
    base = TrainConfig(data="digits", model="linear", epochs=1, subset=64, test_subset=32, batch_size=32)
    first = run_sweep(base, ["none", "mixup"], [0, 1], out_dir=tmp_path, jobs=2, backend="loky")
    assert len(first["ran"]) == 4 and first["skipped"] == []
    rows = {r["strategy"]: r for r in json.loads((tmp_path / "results.json").read_text())["rows"]}
    assert set(rows) == {"none", "mixup"} and rows["mixup"]["n"] == 2 and rows["mixup"]["seeds"] == [0, 1]
    assert rows["none"]["test_accuracy_ci95"] is not None
    table = (tmp_path / "results.md").read_text()
    assert "| digits | mixup | 2 |" in table and "±" in table
    job = run_dir(tmp_path, TrainConfig(**{**base.to_dict(), "strategy": "mixup", "seed": 1}))
    assert is_finished(job)
    mtime = (job / "metrics.json").stat().st_mtime_ns
    second = run_sweep(base, ["none", "mixup"], [0, 1], out_dir=tmp_path, jobs=1)
    assert second["ran"] == [] and len(second["skipped"]) == 4
    assert (job / "metrics.json").stat().st_mtime_ns == mtime
    assert second["rows"] == first["rows"]


def test_sweep_inputs_are_checked(tmp_path):
    base = TrainConfig(model="linear")
    with pytest.raises(ValueError, match=r"strategies must be a non-empty list from: none, mixup"):
        run_sweep(base, ["mixupp"], [0], out_dir=tmp_path)
    with pytest.raises(ValueError, match=r"seeds must be a non-empty list of non-negative integers"):
        run_sweep(base, ["none"], [], out_dir=tmp_path)


def _rows(result):
    return {r["strategy"]: r for r in result["rows"]}


def test_a_sweep_with_another_config_refuses_finished_jobs_unless_overwrite(tmp_path):
    pytest.importorskip("sklearn")
    base = TrainConfig(data="digits", model="linear", epochs=1, subset=64, test_subset=32, batch_size=32)
    run_sweep(base, ["none"], [0], out_dir=tmp_path)
    job = run_dir(tmp_path, replace(base, strategy="none", seed=0))
    mtime = (job / "metrics.json").stat().st_mtime_ns
    other = TrainConfig(**{**base.to_dict(), "lr": 0.01})
    for rerun in (True, False):
        with pytest.raises(ValueError, match=r"holds 1 finished job\(s\) of another config, e\.g\. .*seed0 "
                                             r"\(fields \['lr'\]\); pass --overwrite"):
            run_sweep(other, ["none"], [0], out_dir=tmp_path, rerun=rerun)
    assert (job / "metrics.json").stat().st_mtime_ns == mtime  # the first sweep's work is untouched
    second = run_sweep(other, ["none"], [0], out_dir=tmp_path, overwrite=True)
    assert second["rerun"] == [str(run_dir(tmp_path, replace(other, strategy="none", seed=0)))]
    assert second["skipped"] == [] and second["ran"] == []
    stored = json.loads((run_dir(tmp_path, replace(other, strategy="none")) / "metrics.json").read_text())
    assert stored["config"]["lr"] == 0.01
    third = run_sweep(other, ["none"], [0], out_dir=tmp_path)
    assert len(third["skipped"]) == 1 and _rows(third) == _rows(second)


@pytest.mark.parametrize("names", [("日本.npz", "中国.npz"), ("a b.npz", "a_b.npz"), ("x.npz", "X.npz")])
def test_job_folders_of_distinct_data_specs_differ(tmp_path, names):
    folders = {run_dir(tmp_path, TrainConfig(data=f"npz:{n}", model="linear")) for n in names}
    assert len(folders) == 2
    for folder in folders:
        assert folder.parent.parent.parent == tmp_path and folder.parts[-2:] == ("none", "seed0")
        assert re.fullmatch(r"[A-Za-z0-9._-]+-[0-9a-f]{8}", folder.parts[-3])


def test_duplicate_strategies_and_seeds_are_dropped_with_a_warning(tmp_path):
    pytest.importorskip("sklearn")
    base = TrainConfig(data="digits", model="linear", epochs=1, subset=64, test_subset=32, batch_size=32)
    with pytest.warns(UserWarning, match=r"duplicate strategies removed: \['mixup', 'mixup'\] -> \['mixup'\]"):
        result = run_sweep(base, ["mixup", "mixup"], [0, 1, 1], out_dir=tmp_path)
    row = _rows(result)["mixup"]
    assert row["n"] == 2 and row["seeds"] == [0, 1] and len(result["ran"]) == 2
