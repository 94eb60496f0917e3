"""Sweeps on a real engine: a Dask LocalCluster (two worker processes) gives the joblib backend's results."""
from __future__ import annotations

import joblib
import pytest

from msda_theory.train import TrainConfig
from msda_theory.train.sweep import run_sweep

BASE = TrainConfig(data="digits", model="linear", epochs=1, subset=64, test_subset=32, batch_size=32)


def _rows(result: dict) -> dict:
    return {(r["strategy"], tuple(r["seeds"])): r["test_accuracy"] for r in result["rows"]}


def test_dask_local_cluster_matches_loky(tmp_path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    local = run_sweep(BASE, ["none", "mixup"], [0, 1], out_dir=tmp_path / "loky", jobs=2, backend="loky")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        with joblib.parallel_backend("dask"):
            remote = run_sweep(BASE, ["none", "mixup"], [0, 1], out_dir=tmp_path / "dask", jobs=2)
    assert len(remote["ran"]) == 4
    assert _rows(remote) == _rows(local)  # same seeds, same CPU arithmetic: identical accuracies


def test_ray_matches_loky_when_installed(tmp_path) -> None:
    ray = pytest.importorskip("ray")
    from ray.util.joblib import register_ray

    local = run_sweep(BASE, ["none"], [0, 1], out_dir=tmp_path / "loky", jobs=2, backend="loky")
    register_ray()
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        with joblib.parallel_backend("ray"):
            remote = run_sweep(BASE, ["none"], [0, 1], out_dir=tmp_path / "ray", jobs=2)
    finally:
        ray.shutdown()
    assert _rows(remote) == _rows(local)
