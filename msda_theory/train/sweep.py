"""Sweeps: strategies x seeds (x data sets) as independent training jobs, and one results table.

Each job is ``fit(config, OUT/<data>-<hash>/<strategy>/seed<k>, resume=True)``
(the data folder is a slug and a hash of the full data spec, so two specs never
share one): a job whose checkpoint holds every epoch of the same config and data
(fingerprint) is skipped, an interrupted one resumes from its last checkpoint, a
finished job of another config (another sweep's work) is refused unless
``overwrite=True``, and an unfinished one of another config or data is trained
afresh (or refused with ``rerun=False``), so the table only ever reports the
sweep's own config.
Duplicate strategies, seeds or data sets are dropped with a warning. The table gives, per data set and
strategy, the mean over seeds of the final test accuracy and loss with a 95%
t-interval: mean +- t_{0.975, n-1} * sd / sqrt(n) (sd with ddof=1).

Jobs run through joblib. By default (``backend=None``) ``run_sweep`` uses
joblib's active backend: local processes (loky) with ``jobs`` workers. The
same code runs on a cluster through joblib's Dask or Ray backends::

    from dask.distributed import Client
    client = Client("tcp://scheduler:8786")     # or Client() for a local cluster
    with joblib.parallel_backend("dask"):
        run_sweep(base, ["mixup", "cutmix"], [0, 1, 2], out_dir="runs", jobs=-1)

    from ray.util.joblib import register_ray   # Ray: register, then the same
    register_ray(); ray.init(address="auto")
    with joblib.parallel_backend("ray"): ...

or from the command line ``msda-theory sweep ... --backend dask --scheduler
tcp://host:8786`` (``connect_backend`` does the set-up). The out folder must
be on storage shared by the workers.
"""
from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import statistics
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

import joblib
from torch import nn
from tqdm.auto import tqdm

from msda_theory.train.checkpoint import is_finished, read_metrics, write_json_atomic, write_text_atomic
from msda_theory import masks
from msda_theory.stats import t_interval
from msda_theory.train.config import TrainConfig, strategy_specs
from msda_theory.train.origin import describe
from msda_theory.workers import in_worker, parent_handles_ctrl_c

logger = logging.getLogger(__name__)
BACKENDS = ("loky", "threading", "multiprocessing", "dask", "ray")


def data_folder(data: str) -> str:
    """'<slug>-<8 hex>': a readable slug of the data spec (letters, digits, '-', '.'; at most 48 characters)
    and the first 8 hex digits of sha256(spec), so two specs never share a folder ('npz:日本.npz', 'npz:中国.npz')."""
    slug = re.sub(r"[^A-Za-z0-9.\-]+", "_", data).strip("_.")[:48] or "data"
    return f"{slug}-{hashlib.sha256(data.encode()).hexdigest()[:8]}"


def run_dir(out_dir: str | Path, config: TrainConfig) -> Path:
    """OUT/<data folder>/<strategy folder>/seed<k>: ``data_folder`` (slug and hash of the full data spec) and the
    strategy's spec without default parameters ('hmix', 'hmix_r=0.25'), with a hash of the spec where the slug had
    to replace characters."""
    spec = masks.short_spec(config.strategy)
    strategy = re.sub(r"[^A-Za-z0-9.=\-]+", "_", spec).strip("_")
    if strategy != spec:
        strategy = f"{strategy[:48]}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"
    return Path(out_dir) / data_folder(config.data) / strategy / f"seed{config.seed}"


def foreign_jobs(out_dir: str | Path, configs: Sequence[TrainConfig]) -> list[str]:
    """The job folders under ``out_dir`` holding a finished run of another config than the sweep's, each as
    'folder (fields [...])'."""
    found = []
    for config in configs:
        folder, wanted = run_dir(out_dir, config), config.to_dict()
        stored = read_metrics(folder) if is_finished(folder) else None
        if isinstance(stored, dict) and stored.get("config") != wanted:
            old = stored["config"] if isinstance(stored.get("config"), dict) else {}
            found.append(f"{folder} (fields {sorted(k for k in wanted if old.get(k) != wanted[k])})")
    return found


def run_job(config: dict[str, Any], out_dir: str, rerun: bool = True,
            user: dict[str, Any] | None = None) -> tuple[str, str]:
    """One sweep job (module level, so it pickles to workers); returns (out_dir, 'ran' | 'skipped' | 'rerun').

    Resumes a run of the same config and data; a run of another config or data
    is replaced when ``rerun``, else its RunMismatchError is raised. ``user``: the
    ``model``, ``train_data`` and ``test_data`` keyword arguments of ``fit`` (a user's own).
    """
    from msda_theory.train.fit import fit  # late import keeps worker start-up light
    from msda_theory.train.runfolder import RunMismatchError

    cfg, user = TrainConfig.from_dict(config), user or {}
    try:
        result = fit(cfg, out_dir, resume=True, progress=False, **user)
    except RunMismatchError as err:
        if not rerun:
            raise ValueError(f"{err}; rerun without --no-rerun to replace it") from None
        fit(cfg, out_dir, overwrite=True, progress=False, **user)
        return out_dir, "rerun"
    return out_dir, "skipped" if result.resumed_epochs >= cfg.epochs else "ran"


def _user_objects(base: TrainConfig, model: Any, train_data: Any, test_data: Any,
                  datasets: Sequence[str] | None) -> tuple[TrainConfig, dict[str, Any] | None]:
    """(base naming the user's objects, the fit keyword arguments of every job), or (base, None) for built-ins."""
    if model is None and train_data is None:
        return base, None
    if isinstance(model, nn.Module):
        raise ValueError("run_sweep trains a fresh model per job: pass a callable returning an nn.Module or "
                         "'package.module:function', not a module")
    if train_data is not None and datasets is not None:
        raise ValueError("pass train_data or datasets, not both")
    user = {"model": model, "train_data": train_data, "test_data": test_data}
    return describe(base, model, train_data), {k: v for k, v in user.items() if v is not None}


def unique(values: Sequence[Any], what: str) -> list[Any]:
    """``values`` without repeats (first occurrence kept), warning when any were dropped."""
    kept = list(dict.fromkeys(values))
    if len(kept) < len(values):
        warnings.warn(f"duplicate {what} removed: {list(values)} -> {kept}", stacklevel=2)
    return kept


def confidence_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float | None]:
    """(mean, half-width t_{(1+level)/2, n-1} * sd / sqrt(n)) from ``stats.t_interval``; half-width None when
    n < 2 or a value is not finite (a diverged run's loss: the mean is then reported as it is)."""
    if not values:
        raise ValueError("confidence_interval needs at least one value")
    if not all(math.isfinite(v) for v in values):
        return statistics.fmean(values), None
    interval = t_interval(values, level)
    return interval.mean, (interval.half_width if interval.n >= 2 else None)


def summarize(runs: Sequence[tuple[TrainConfig, dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per (data, strategy): n, seeds, mean and 95% CI of final test accuracy and loss."""
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for config, metrics in runs:
        groups.setdefault((config.data, masks.short_spec(config.strategy)), []).append((config.seed, metrics["final"]))
    rows = []
    for (data, strategy), finals in groups.items():
        row: dict[str, Any] = {"data": data, "strategy": strategy, "n": len(finals), "seeds": [s for s, _ in finals]}
        for key in ("test_accuracy", "test_loss"):
            values = [f[key] for _, f in finals if f.get(key) is not None]
            mean, half = confidence_interval(values) if values else (None, None)
            row.update({key: values, f"{key}_mean": mean, f"{key}_ci95": half})
        rows.append(row)
    return rows


def _cell(mean: float | None, half: float | None, scale: float) -> str:
    if mean is None:
        return "n/a"
    return f"{scale * mean:.2f}" + ("" if half is None else f" ± {scale * half:.2f}")


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """The results as a Markdown table (accuracy in %, mean ± 95% CI half-width)."""
    lines = ["| data | strategy | seeds | test accuracy (%) | test loss |", "|---|---|---|---|---|"]
    for r in rows:
        acc = _cell(r["test_accuracy_mean"], r["test_accuracy_ci95"], 100.0)
        loss = _cell(r["test_loss_mean"], r["test_loss_ci95"], 1.0)
        lines.append(f"| {r['data']} | {r['strategy']} | {r['n']} | {acc} | {loss} |")
    return "\n".join(lines) + "\n"


def connect_backend(name: str | None, address: str | None = None) -> str | None:
    """Prepare a joblib backend by name and return the name to pass to ``joblib.Parallel``.

    dask: starts ``dask.distributed.Client(address)`` (a local cluster when None);
    ray: ``register_ray()`` and ``ray.init(address)``; the others need nothing.
    """
    if name is None or name in ("loky", "threading", "multiprocessing"):
        return name
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose one of: {', '.join(BACKENDS)}")
    try:
        if name == "dask":
            from dask.distributed import Client

            Client(address)
        else:
            import ray
            from ray.util.joblib import register_ray

            register_ray()
            ray.init(address=address)
    except ImportError:
        package = "dask distributed" if name == "dask" else "ray"
        raise ValueError(f"backend {name!r} needs the package(s) {package}: pip install {package}") from None
    return name


def _run_jobs(calls: list[Any], jobs: int, backend: str | None, progress: bool) -> list[tuple[str, str]]:
    """The jobs' results in order, with a tqdm bar as they finish (backends that cannot stream results,
    such as Ray's, return them all at the end, without a bar). Local workers leave Ctrl-C to this process
    and exit when it dies (``msda_theory.workers``)."""
    calls = [joblib.delayed(in_worker)(os.getpid(), func, *args, **kwargs) for func, args, kwargs in calls]
    try:
        with parent_handles_ctrl_c():  # the workers start here (joblib dispatches the first jobs in the call)
            pending = joblib.Parallel(n_jobs=jobs, backend=backend, return_as="generator")(calls)
    except ValueError as err:
        if "return_as" not in str(err):
            raise
        return list(joblib.Parallel(n_jobs=jobs, backend=backend)(calls))
    return list(tqdm(pending, total=len(calls), desc="sweep jobs", disable=not progress))


def run_sweep(
    base: TrainConfig,
    strategies: Sequence[str],
    seeds: Sequence[int],
    *,
    out_dir: str | Path,
    datasets: Sequence[str] | None = None,
    jobs: int = 1,
    backend: str | None = None,
    rerun: bool = True,
    overwrite: bool = False,
    model: Any = None,
    train_data: Any = None,
    test_data: Any = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run every (data, strategy, seed) job not finished yet and write OUT/results.json and OUT/results.md.

    Args:
        base: the shared config; its data, strategy and seed are replaced per job.
        strategies: strategy specs: names from ``masks.strategies()`` ("none" and every registered
            family), with parameters where wanted ("hmix:r=0.25"); one job folder per spec.
        seeds: training seeds (``base.data_seed`` fixes the subset for all of them).
        out_dir: the sweep folder (also holds sweep.json, the resolved sweep config).
        datasets: data set names; default ``[base.data]``.
        jobs: parallel workers (joblib ``n_jobs``; -1 = all cores).
        backend: a joblib backend name, or None for the active one (see module docstring).
        rerun: replace unfinished job folders holding a run of another config or data (False: refuse them).
        overwrite: replace job folders holding a *finished* run of another config (another sweep's
            work); without it the sweep refuses them before running anything.
        model, train_data, test_data: a user's own, as for ``fit``; ``model`` is a callable
            returning a fresh nn.Module (or a factory spec), built per job under its seed. With
            ``jobs`` > 1 they must pickle (defined at a module's top level).
        progress: a tqdm bar over the jobs as they finish.

    Returns:
        {"rows": table rows (see ``summarize``), "ran": [run folders trained or resumed now],
        "rerun": [folders of another config or data trained afresh], "skipped": [run folders
        already finished with this config and data], "sweep": the resolved sweep config}.
    """
    specs = strategy_specs(strategies)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(f"seeds must be a non-empty list of non-negative integers, got {list(seeds)!r}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0 or jobs < -1:
        raise ValueError(f"jobs must be a positive integer or -1, got {jobs!r}")
    strategies = unique([masks.short_spec(s) for s in specs], "strategies")  # 'hmix:r=0.25' for 'hmix:alpha=1,r=0.25'
    seeds = unique(seeds, "seeds")
    base, user = _user_objects(base, model, train_data, test_data, datasets)
    datasets = unique(datasets or [base.data], "data sets")
    configs = [replace(base, data=d, strategy=s, seed=k) for d in datasets for s in strategies for k in seeds]
    out = Path(out_dir)
    foreign = foreign_jobs(out, configs)
    if foreign and not overwrite:
        raise ValueError(f"sweep folder {out} holds {len(foreign)} finished job(s) of another config, e.g. "
                         f"{foreign[0]}; pass --overwrite (overwrite=True) to replace them, or another --out")
    rerun = rerun or overwrite
    sweep = {"base": base.to_dict(), "strategies": strategies, "seeds": seeds, "datasets": datasets}
    calls = [joblib.delayed(run_job)(c.to_dict(), str(run_dir(out, c)), rerun, user) for c in configs]
    done = _run_jobs(calls, jobs, backend, progress)
    for folder, kind in done:
        logger.info("%s: %s", folder, kind)
    status = {kind: [d for d, s in done if s == kind] for kind in ("ran", "rerun", "skipped")}
    runs = [(c, read_metrics(run_dir(out, c))) for c in configs]
    stale = [str(run_dir(out, c)) for c, m in runs if m is not None and m.get("config") != c.to_dict()]
    if stale:
        raise ValueError(f"sweep jobs hold metrics of another config: {stale}")
    missing = [str(run_dir(out, c)) for c, m in runs if m is None or m.get("final") is None]
    if missing:
        raise ValueError(f"sweep jobs left no metrics: {missing}")
    rows = summarize(runs)  # type: ignore[arg-type]
    result = {"rows": rows, **status, "sweep": sweep}
    write_json_atomic(out / "results.json", {"sweep": sweep, "rows": rows})
    write_json_atomic(out / "sweep.json", sweep)  # after the jobs: never names a config whose results are not there
    write_text_atomic(out / "results.md", markdown_table(rows))
    return result


__all__ = ["BACKENDS", "confidence_interval", "connect_backend", "data_folder", "foreign_jobs", "markdown_table",
           "run_dir", "run_job",
           "run_sweep", "summarize", "unique"]
