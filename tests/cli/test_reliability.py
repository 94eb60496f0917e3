"""The CLI's run-folder and result guarantees (issue 10), end to end through ``cli.main``."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from msda_theory.cli import main

TRAIN = ["train", "--data", "digits", "--model", "linear", "--epochs", "2", "--subset", "64", "--test-subset", "32",
         "--batch-size", "32", "--no-progress", "--threads", "1"]


def err_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return capsys.readouterr().err.strip().splitlines()


@pytest.fixture
def run(tmp_path: Path) -> Path:
    pytest.importorskip("sklearn")
    folder = tmp_path / "run"
    assert main([*TRAIN, "--out", str(folder)]) == 0
    return folder


def test_a_second_train_into_a_finished_run_is_refused_unless_overwrite(run: Path, capsys) -> None:
    before = (run / "checkpoint.pt").read_bytes()
    capsys.readouterr()
    assert main([*TRAIN, "--lr", "0.01", "--out", str(run)]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "already holds a run" in lines[0] and "--overwrite" in lines[0]
    assert (run / "checkpoint.pt").read_bytes() == before
    assert main([*TRAIN, "--lr", "0.01", "--overwrite", "--out", str(run)]) == 0
    assert json.loads((run / "metrics.json").read_text())["config"]["lr"] == 0.01


def test_resume_repairs_a_corrupt_metrics_file(run: Path, capsys) -> None:
    good = json.loads((run / "metrics.json").read_text())
    (run / "metrics.json").write_text("{not json")
    assert main([*TRAIN, "--resume", "--out", str(run)]) == 0
    assert json.loads((run / "metrics.json").read_text()) == good


def test_decompose_loads_a_trained_checkpoint(run: Path, tmp_path: Path) -> None:
    out = tmp_path / "d.json"
    assert main(["decompose", "--checkpoint", str(run), "--subset", "6", "--n-masks", "4", "--json", str(out)]) == 0
    payload = json.loads(out.read_text())
    assert all(math.isfinite(payload[k]) for k in ("l_std", "r1", "r2", "r3", "l_msda"))


def test_decompose_refuses_a_checkpoint_of_another_task(run: Path, tmp_path: Path, capsys) -> None:
    capsys.readouterr()
    assert main(["decompose", "--checkpoint", str(run), "--loss", "bce", "--subset", "6",
                 "--json", str(tmp_path / "d.json")]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "with 10 outputs, but --data digits with --loss bce needs (1, 8, 8) with 1" in lines[0]
    assert not (tmp_path / "d.json").exists()


def test_sweep_warns_once_per_duplicate_list_in_one_line(tmp_path: Path, capsys) -> None:
    pytest.importorskip("sklearn")
    argv = ["sweep", "--data", "digits", "--model", "linear", "--epochs", "1", "--subset", "64", "--test-subset",
            "32", "--batch-size", "32", "--strategies", "mixup,mixup", "--seeds", "0,0", "--out", str(tmp_path)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert warnings == ["msda-theory sweep: warning: duplicate strategies removed: ['mixup', 'mixup'] -> ['mixup']",
                        "msda-theory sweep: warning: duplicate seeds removed: [0, 0] -> [0]"]
    assert "| digits | mixup | 1 |" in captured.out


def test_weights_at_a_huge_alpha_are_finite_or_refused(tmp_path: Path, capsys) -> None:
    """Beta(1000, 1000) overflows B(a, b) but not betaln: a valid result, or one line -- never NaN JSON."""
    out = tmp_path / "w.json"
    status = main(["weights", "--strategy", "cutmix", "--alpha", "1000", "--size", "4x4", "--json", str(out)])
    if status == 0:
        payload = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
        assert all(math.isfinite(v) for row in payload["a_p"] for v in row)
    else:
        lines = err_lines(capsys)
        assert status == 2 and len(lines) == 1 and not out.exists()


def test_resume_after_the_npz_changed_is_refused(tmp_path: Path, capsys) -> None:
    """The issue's case: the npz at the same path changed between a kill and --resume."""
    import numpy as np

    data = tmp_path / "data.npz"
    rng = np.random.default_rng(0)
    test = {"x_test": rng.integers(0, 256, (16, 8, 8), dtype=np.uint8), "y_test": np.arange(16) % 4}
    np.savez(data, x=rng.integers(0, 256, (40, 8, 8), dtype=np.uint8), y=np.arange(40) % 4, **test)
    argv = ["train", "--data", f"npz:{data}", "--model", "linear", "--epochs", "2", "--batch-size", "8",
            "--no-progress", "--threads", "1", "--out", str(tmp_path / "run")]
    assert main(argv) == 0
    np.savez(data, x=rng.integers(0, 256, (500, 8, 8), dtype=np.uint8), y=np.arange(500) % 4, **test)
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "the data differ from those it was trained on (fingerprint fields ['n_train', 'sha256'])" in lines[0]


def test_robustness_refuses_a_run_whose_data_changed(tmp_path: Path, capsys) -> None:
    import numpy as np

    data = tmp_path / "data.npz"
    rng = np.random.default_rng(1)
    arrays = {"x": rng.integers(0, 256, (40, 8, 8), dtype=np.uint8), "y": np.arange(40) % 4,
              "x_test": rng.integers(0, 256, (16, 8, 8), dtype=np.uint8), "y_test": np.arange(16) % 4}
    np.savez(data, **arrays)
    run = tmp_path / "run"
    assert main(["train", "--data", f"npz:{data}", "--model", "linear", "--epochs", "1", "--batch-size", "8",
                 "--no-progress", "--threads", "1", "--out", str(run)]) == 0
    argv = ["robustness", "--checkpoint", str(run), "--preset", "quick", "--n", "8", "--json", str(tmp_path / "r.json")]
    assert main(argv) == 0
    arrays["x_test"] = arrays["x_test"][::-1].copy()
    np.savez(data, **arrays)
    (tmp_path / "r.json").unlink()
    capsys.readouterr()
    assert main(argv) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and "cannot evaluate" in lines[0] and "fingerprint fields ['sha256']" in lines[0]
    assert not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("error, expected", [
    (MemoryError(), "msda-theory bench: error: out of memory (MemoryError)"),
    (RuntimeError("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate memory: you tried to "
                  "allocate 3200000000 bytes"), "msda-theory bench: error: allocation failed ([enforce fail"),
    (OSError(28, "No space left on device", "/full/disk/out.json"),
     "msda-theory bench: error: no space left on device writing /full/disk/out.json"),
    (OSError(30, "Read-only file system", "/ro/out.json"),
     "msda-theory bench: error: read-only file system writing /ro/out.json"),
    (FileExistsError(17, "File exists", "/tmp/x"), "msda-theory bench: error: File exists: /tmp/x"),
])
def test_resource_and_io_errors_are_one_line(error: BaseException, expected: str, monkeypatch, capsys) -> None:
    import msda_theory.cli.cmd_bench as bench

    def fail(args):
        raise error

    monkeypatch.setattr(bench, "run", fail)
    assert main(["bench"]) == 2
    lines = err_lines(capsys)
    assert len(lines) == 1 and lines[0].startswith(expected), lines


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys) -> None:
    import msda_theory.cli.cmd_bench as bench

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(bench, "run", interrupted)
    assert main(["bench"]) == 130
    assert err_lines(capsys) == ["msda-theory bench: interrupted"]


def test_a_programming_error_is_not_disguised(monkeypatch) -> None:
    """Only user-facing failures become one line; a bug still raises (and the fuzz suite counts it)."""
    import msda_theory.cli.cmd_bench as bench

    def fail(args):
        raise RuntimeError("shape mismatch in the library")

    monkeypatch.setattr(bench, "run", fail)
    with pytest.raises(RuntimeError, match="shape mismatch"):
        main(["bench"])
