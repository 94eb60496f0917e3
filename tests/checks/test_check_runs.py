"""`check` end to end at the tiny preset: every row, results stored, a second run resumes from the store
(nothing recomputed), --rerun recomputes; `reproduce --quick` exits 0 without Fashion-MNIST."""
from __future__ import annotations

import dataclasses
import json

import pytest

from msda_theory.cli import main
from msda_theory.data import available


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    ledger, results = root / "ledger.md", root / "results"
    only = "5,7,8b,9,9b,10,11,12a,12b"  # every experiment-backed row (the analytic rows have their own tests)
    assert main(["check", "--preset", "tiny", "--only", only, "--out", str(ledger), "--results", str(results)]) == 0
    return ledger, results


@pytest.mark.fashion_mnist
def test_every_experiment_is_stored_with_its_key(tiny_run) -> None:
    _, results = tiny_run
    stored = sorted(p.relative_to(results).parts[:2] for p in results.rglob("*.json"))
    expected = {"trained-model", "tracking", "taylor", "bound", "task", "task-mechanism", "cost"}
    if not available("fashion-mnist"):  # claim 10's experiment needs it; its row reads "skipped"
        expected.remove("bound")
        assert "skipped: needs Fashion-MNIST" in tiny_run[0].read_text()
    assert {e for e, _ in stored} == expected
    assert {p for _, p in stored} == {"tiny"}
    assert len([1 for e, _ in stored if e == "trained-model"]) == 10  # 5 strategies × 2 seeds
    one = json.loads(next((results / "trained-model" / "tiny").glob("*.json")).read_text())
    assert set(one["data"]["attacks"]["linf"]) == {"eps", "fgsm", "pgd", "worst"}
    worst, pgd = one["data"]["attacks"]["linf"]["worst"][0], one["data"]["attacks"]["linf"]["pgd"][0]
    assert len(worst) == one["data"]["n_eval"] and set(worst) <= {"0", "1"}
    assert all(w <= p for w, p in zip(worst, pgd))  # the worst case is never better than PGD alone
    assert set(one["data"]["first_layer"]["penalty"]) == {"mixup", "cutmix", "hmix", "gmix"}


def test_quick_rows_are_smoke_without_verdict(tiny_run) -> None:
    ledger, _ = tiny_run
    rows = {line.split("|")[1].strip(): line for line in ledger.read_text().splitlines() if line.startswith("| ")}
    for cid in ("7", "8b", "9", "9b", "11", "12b"):
        assert "**smoke**" in rows[cid], rows[cid]
    assert "gates:" in rows["9"] and "MDE" in ledger.read_text().split("### Claim 9: smoke")[1].split("### Claim")[0]
    assert "mechanism" in rows["11"] and "MDE" in rows["11"]
    section = ledger.read_text().split("### Claim 11: smoke")[1].split("### Claim")[0]
    assert "mechanism (L_std + R2)" in section and "plateau gate" in section


def test_second_run_resumes_and_rerun_recomputes(tiny_run, monkeypatch, tmp_path) -> None:
    from msda_theory import experiments

    ledger, results = tiny_run
    calls = []
    for name, exp in list(experiments.EXPERIMENTS.items()):
        monkeypatch.setitem(experiments.EXPERIMENTS, name, dataclasses.replace(
            exp, compute=lambda c, s, f=exp.compute: calls.append(1) or f(c, s)))
    again = tmp_path / "again.md"
    assert main(["check", "--preset", "tiny", "--only", "9,12b", "--out", str(again), "--results", str(results)]) == 0
    assert calls == []
    assert main(["check", "--preset", "tiny", "--only", "9,12b", "--rerun", "--out", str(again),
                 "--results", str(results)]) == 0
    assert len(calls) == 10  # the 10 trained models, once each although two rows read them


def test_reproduce_exits_0_without_fashion_mnist(tmp_path, monkeypatch) -> None:
    from msda_theory.data.idx import ROOT_VARIABLE

    empty = tmp_path / "no-fashion"
    empty.mkdir()
    monkeypatch.setenv(ROOT_VARIABLE, str(empty))  # seen by worker processes too
    ledger = tmp_path / "ledger.md"
    status = main(["reproduce", "--quick", "--ledger", str(ledger), "--figures-dir", str(tmp_path / "figures"),
                   "--results", str(tmp_path / "results")])
    assert status == 0
    text = ledger.read_text()
    assert "crashed" not in text.split("## Discussion")[0].replace("0 crashed", "")
    assert "skipped: needs Fashion-MNIST (apt-get install dataset-fashion-mnist)" in text


def test_parallel_jobs_store_every_unit(tmp_path) -> None:
    results = tmp_path / "results"
    assert main(["check", "--preset", "tiny", "--only", "12b", "--jobs", "2", "--out", str(tmp_path / "l.md"),
                 "--results", str(results)]) == 0
    assert len(list((results / "trained-model" / "tiny").glob("*.json"))) == 10
    assert main(["check", "--only", "12b", "--jobs", "0", "--out", str(tmp_path / "l.md")]) == 2
