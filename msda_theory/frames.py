"""Results as tables: sweep and robustness results as records (plain dicts) and as pandas DataFrames.

``run_sweep`` and ``evaluate_robustness`` return plain JSON-ready dicts (the
results store keeps them as they are). These functions lay them out one row per
observation, the long format that pandas, seaborn and spreadsheets read:

- a sweep: one row per (data, strategy) with the mean and 95% t-interval
  half-width of the final test accuracy and loss over seeds, or with
  ``per_seed=True`` one row per (data, strategy, seed);
- robustness results (one or several): one row per (result, eps) with the
  accuracy, its 95% Wilson interval, the correct count, n and the step used.

pandas is an optional extra (``pip install "msda_theory[pandas]"``), imported only
when a DataFrame is asked for; the ``*_records`` functions need nothing.
"""
from __future__ import annotations

from typing import Any, Sequence

SWEEP_COLUMNS = ("data", "strategy", "n", "test_accuracy_mean", "test_accuracy_ci95", "test_loss_mean",
                 "test_loss_ci95")
ROBUSTNESS_KEYS = ("attack", "norm", "eps", "accuracy", "ci_low", "ci_high", "correct", "n")
PER_EPS = ("accuracy", "ci_low", "ci_high", "correct", "step_size")


def sweep_records(result: dict[str, Any], *, per_seed: bool = False) -> list[dict[str, Any]]:
    """Rows of a sweep result (``run_sweep``'s return or its results.json): per (data, strategy), or per seed."""
    if not isinstance(result, dict) or not isinstance(result.get("rows"), list):
        raise ValueError("a sweep result must be a dict with 'rows' (run_sweep's return or its results.json)")
    if not per_seed:
        return [{key: row.get(key) for key in SWEEP_COLUMNS} for row in result["rows"]]
    out = []
    for row in result["rows"]:
        seeds = row["seeds"]
        accuracy, loss = (_per_seed(row.get(key), len(seeds)) for key in ("test_accuracy", "test_loss"))
        out.extend({"data": row["data"], "strategy": row["strategy"], "seed": seed, "test_accuracy": a,
                    "test_loss": b} for seed, a, b in zip(seeds, accuracy, loss))
    return out


def _per_seed(values: Any, n: int) -> list[Any]:
    """One value per seed; None for each when a seed's value is missing (the lists then cannot be paired)."""
    return list(values) if isinstance(values, list) and len(values) == n else [None] * n


def robustness_records(results: dict[str, Any] | Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of one or several ``evaluate_robustness`` results: one per (result, eps), labelled by strategy."""
    group = [results] if isinstance(results, dict) else list(results)
    if not group:
        raise ValueError("robustness results must hold at least one evaluation")
    out = []
    for index, result in enumerate(group):
        missing = [k for k in ROBUSTNESS_KEYS if not isinstance(result, dict) or k not in result]
        if missing:
            raise ValueError(f"robustness result {index} lacks the keys {missing}")
        label = result.get("label") or (result.get("config") or {}).get("strategy")
        for j, eps in enumerate(result["eps"]):
            row = {"result": index, "label": label, "attack": result["attack"], "norm": result["norm"],
                   "eps": eps, "n": result["n"], "steps": result.get("steps"), "restarts": result.get("restarts")}
            row.update({key: _at(result.get(key), j) for key in PER_EPS})
            out.append(row)
    return out


def _at(values: Any, j: int) -> Any:
    """values[j] for a per-eps list, the value itself for a scalar (an older result's step_size)."""
    return values[j] if isinstance(values, (list, tuple)) else values


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ValueError('DataFrames need pandas, which is not installed: pip install "msda_theory[pandas]" '
                         "(or pip install pandas); the *_records functions return the same rows as dicts") from None
    return pandas


def sweep_frame(result: dict[str, Any], *, per_seed: bool = False) -> Any:
    """``sweep_records(result, per_seed=...)`` as a pandas DataFrame."""
    return _pandas().DataFrame.from_records(sweep_records(result, per_seed=per_seed))


def robustness_frame(results: dict[str, Any] | Sequence[dict[str, Any]]) -> Any:
    """``robustness_records(results)`` as a pandas DataFrame."""
    return _pandas().DataFrame.from_records(robustness_records(results))


def to_frame(result: Any, **options: Any) -> Any:
    """A sweep result (has 'rows') or robustness results (have 'eps') as a pandas DataFrame."""
    if isinstance(result, dict) and "rows" in result:
        return sweep_frame(result, **options)
    if isinstance(result, dict) and "eps" in result or isinstance(result, (list, tuple)):
        return robustness_frame(result)
    raise ValueError(f"to_frame takes a sweep result (with 'rows') or robustness results (with 'eps'), "
                     f"got {type(result).__name__}")


__all__ = ["robustness_frame", "robustness_records", "sweep_frame", "sweep_records", "to_frame"]
