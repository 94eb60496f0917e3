"""Every subcommand through a table of bad inputs: one stderr line, exit status 2, no traceback, no file left.

Cases come from the reliability issue (issue 10) and more: damaged or crafted
checkpoints for every command that reads one, damaged or crafted npz, IDX
and CIFAR files for training, unwritable or empty output paths, empty
selections and out-of-range numbers. Each case runs ``cli.main`` in-process.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import torch

import crafted
from conftest import assert_clean_error, run_cli, snapshot

TRAIN = ["train", "--model", "linear", "--epochs", "1", "--subset", "4", "--batch-size", "4", "--no-progress",
         "--threads", "1"]


def _table() -> list[tuple[str, Callable[[Path], list[str]], str | None]]:
    """(case id, argv builder taking the case's tmp folder, expected text in the error line or None)."""
    o = lambda t: str(t / "out")  # noqa: E731 (an output path that must not appear)
    j = lambda t: str(t / "out.json")  # noqa: E731
    a_file = lambda t: (t / "inputs" / "a_file").__str__()  # noqa: E731 (created by the test)
    cases: list[tuple[str, Callable[[Path], list[str]], str | None]] = [
        # weights
        ("weights size 20000x20000", lambda t: ["weights", "--strategy", "mixup", "--size", "20000x20000",
                                                "--json", j(t)], "GiB"),
        ("weights size 100000x100000", lambda t: ["weights", "--strategy", "cutmix", "--size", "100000x100000",
                                                  "--json", j(t)], "over the cap"),
        ("weights size 0x5", lambda t: ["weights", "--strategy", "mixup", "--size", "0x5", "--json", j(t)], "HxW"),
        ("weights size text", lambda t: ["weights", "--strategy", "mixup", "--size", "big", "--json", j(t)], "HxW"),
        ("weights unknown strategy", lambda t: ["weights", "--strategy", "foo", "--size", "4x4", "--json", j(t)],
         "unknown strategy"),
        ("weights alpha -1", lambda t: ["weights", "--strategy", "mixup", "--alpha", "-1", "--size", "4x4",
                                        "--json", j(t)], None),
        ("weights alpha nan", lambda t: ["weights", "--strategy", "mixup", "--alpha", "nan", "--size", "4x4",
                                         "--json", j(t)], None),
        ("weights hmix r 2", lambda t: ["weights", "--strategy", "hmix", "--r", "2", "--size", "4x4",
                                        "--json", j(t)], None),
        ("weights samples 1", lambda t: ["weights", "--strategy", "mixup", "--method", "mc", "--samples", "1",
                                         "--size", "4x4", "--json", j(t)], None),
        ("weights json empty", lambda t: ["weights", "--strategy", "mixup", "--size", "4x4", "--json", ""],
         "--json must name a path"),
        ("weights json is a folder", lambda t: ["weights", "--strategy", "mixup", "--size", "4x4",
                                                "--json", str(t / "inputs")], "existing folder"),
        ("weights json under a file", lambda t: ["weights", "--strategy", "mixup", "--size", "4x4",
                                                 "--json", a_file(t) + "/w.json"], "not a folder"),
        ("weights method bogus", lambda t: ["weights", "--strategy", "mixup", "--size", "4x4", "--method", "x",
                                            "--json", j(t)], "invalid choice"),
        # masks, check, figures, reproduce, bench: empty selections and unwritable outputs
        ("masks strategies empty", lambda t: ["masks", "--strategies", "", "--out", o(t)], "at least one"),
        ("masks strategies commas", lambda t: ["masks", "--strategies", ",,", "--out", o(t)], "at least one"),
        ("masks unknown strategy", lambda t: ["masks", "--strategies", "mixup,foo", "--out", o(t)], "unknown"),
        ("masks lam 1.5", lambda t: ["masks", "--lam", "1.5", "--out", o(t)], "lam"),
        ("masks out is a file", lambda t: ["masks", "--out", a_file(t)], "existing file"),
        ("masks out empty", lambda t: ["masks", "--out", ""], "--out must name a path"),
        ("check only empty", lambda t: ["check", "--only", "", "--out", j(t)], "--only must name"),
        ("check only 999", lambda t: ["check", "--only", "999", "--out", j(t)], "unknown check"),
        ("check out is a folder", lambda t: ["check", "--only", "1", "--out", str(t / "inputs")], "existing folder"),
        ("check out empty", lambda t: ["check", "--only", "1", "--out", ""], "--out must name"),
        ("figures only empty", lambda t: ["figures", "--only", "", "--out", o(t)], "--only must name"),
        ("figures only nope", lambda t: ["figures", "--only", "nope", "--out", o(t)], "unknown figure"),
        ("figures out is a file", lambda t: ["figures", "--only", "masks", "--out", a_file(t)], "existing file"),
        ("reproduce figures-dir is a file", lambda t: ["reproduce", "--figures-dir", a_file(t),
                                                        "--ledger", j(t)], "existing file"),
        ("reproduce ledger empty", lambda t: ["reproduce", "--figures-dir", o(t), "--ledger", ""], "--ledger"),
        ("bench json empty", lambda t: ["bench", "--quick", "--repeats", "1", "--json", ""], "--json"),
        ("bench repeats 0", lambda t: ["bench", "--quick", "--repeats", "0"], "repeats"),
        # train: numbers, devices, outputs
        ("train lr 1e300", lambda t: [*TRAIN, "--lr", "1e300", "--out", o(t)], "lr must be"),
        ("train lr 0", lambda t: [*TRAIN, "--lr", "0", "--out", o(t)], "lr must be"),
        ("train lr nan", lambda t: [*TRAIN, "--lr", "nan", "--out", o(t)], "lr must be"),
        ("train epochs 0", lambda t: [*TRAIN, "--epochs", "0", "--out", o(t)], "epochs"),
        ("train batch size -1", lambda t: [*TRAIN, "--batch-size", "-1", "--out", o(t)], "batch_size"),
        ("train model foo", lambda t: [*TRAIN, "--model", "foo", "--out", o(t)], "unknown model"),
        ("train strategy foo", lambda t: [*TRAIN, "--strategy", "foo", "--out", o(t)], "unknown strategy"),
        ("train alpha 0", lambda t: [*TRAIN, "--strategy", "mixup", "--alpha", "0", "--out", o(t)], None),
        ("train mixup with r", lambda t: [*TRAIN, "--strategy", "mixup", "--r", "0.3", "--out", o(t)],
         "mixup takes alpha; got r"),
        ("train spec without value", lambda t: [*TRAIN, "--strategy", "hmix:r", "--out", o(t)], "expected KEY=VALUE"),
        ("train spec twice", lambda t: [*TRAIN, "--strategy", "hmix:r=0.1,r=0.2", "--out", o(t)], "gives r twice"),
        ("train spec unknown module", lambda t: [*TRAIN, "--strategy", "msda_fuzz_nosuch:Cls", "--out", o(t)],
         "cannot import"),
        ("train spec bad module name", lambda t: [*TRAIN, "--strategy", "a b:Cls", "--out", o(t)], "must look like"),
        ("weights spec r text", lambda t: ["weights", "--strategy", "hmix:r=half", "--size", "4x4", "--json", j(t)],
         "r must be a number"),
        ("weights spec none", lambda t: ["weights", "--strategy", "none", "--size", "4x4", "--json", j(t)],
         "draws no masks"),
        ("sweep spec not taken", lambda t: ["sweep", "--strategies", "none,cutmix:r=0.5", "--seeds", "0",
                                            "--out", o(t)], "cutmix takes alpha; got r"),
        ("train device bogus", lambda t: [*TRAIN, "--device", "tpu", "--out", o(t)], "device"),
        ("train subset too large", lambda t: [*TRAIN, "--subset", "100000", "--out", o(t)], "exceeds"),
        ("train classes out of range", lambda t: [*TRAIN, "--classes", "0,99", "--out", o(t)], "out of range"),
        ("train binary with 10 classes", lambda t: [*TRAIN, "--binary", "--out", o(t)], "binary"),
        ("train threads 0", lambda t: [*TRAIN, "--threads", "0", "--out", o(t)], "--threads"),
        ("train out empty", lambda t: [*TRAIN, "--out", ""], "--out must name"),
        ("train out is a file", lambda t: [*TRAIN, "--out", a_file(t)], "existing file"),
        ("train out under a file", lambda t: [*TRAIN, "--out", a_file(t) + "/run"], "not a folder"),
        ("train data unknown", lambda t: [*TRAIN, "--data", "mnist2", "--out", o(t)], "unknown data set"),
        ("train npz missing", lambda t: [*TRAIN, "--data", f"npz:{t}/none.npz", "--out", o(t)], "not found"),
        ("train cifar no root", lambda t: [*TRAIN, "--data", "cifar10", "--out", o(t)], "CIFAR-10"),
        ("train resume and overwrite", lambda t: [*TRAIN, "--resume", "--overwrite", "--out", o(t)],
         "not allowed with"),
        # sweep
        ("sweep strategies empty", lambda t: ["sweep", "--strategies", "", "--seeds", "0", "--out", o(t)],
         "--strategies must name"),
        ("sweep seeds empty", lambda t: ["sweep", "--strategies", "none", "--seeds", ",", "--out", o(t)],
         "--seeds must name"),
        ("sweep seeds text", lambda t: ["sweep", "--seeds", "a", "--out", o(t)], "invalid int_list"),
        ("sweep strategy foo", lambda t: ["sweep", "--strategies", "foo", "--seeds", "0", "--out", o(t)],
         "strategies must be"),
        ("sweep jobs 0", lambda t: ["sweep", "--strategies", "none", "--seeds", "0", "--jobs", "0",
                                    "--out", o(t)], "jobs"),
        ("sweep out empty", lambda t: ["sweep", "--strategies", "none", "--seeds", "0", "--out", ""], "--out"),
        ("sweep out is a file", lambda t: ["sweep", "--strategies", "none", "--seeds", "0", "--out", a_file(t)],
         "existing file"),
        # decompose and robustness without a checkpoint problem
        ("decompose subset 1", lambda t: ["decompose", "--subset", "1", "--json", j(t)], "--subset"),
        ("decompose json empty", lambda t: ["decompose", "--subset", "4", "--json", ""], "--json"),
        ("decompose data npz missing", lambda t: ["decompose", "--data", "npz:/nonexistent.npz",
                                                  "--json", j(t)], "not found"),
        ("decompose checkpoint missing", lambda t: ["decompose", "--checkpoint", str(t / "nope"),
                                                    "--json", j(t)], "no checkpoint"),
        ("robustness checkpoint missing", lambda t: ["robustness", "--checkpoint", str(t / "nope"),
                                                     "--json", j(t)], "no checkpoint"),
        ("robustness eps empty", lambda t: ["robustness", "--checkpoint", str(t / "nope"), "--eps", ",",
                                            "--json", j(t)], None),
        ("robustness device bogus", lambda t: ["robustness", "--checkpoint", str(t / "nope"), "--device", "tpu",
                                               "--json", j(t)], "device"),
        ("nosuchcommand", lambda t: ["nosuchcommand"], "invalid choice"),
    ]
    if not torch.cuda.is_available():
        cases += [
            ("train device cuda", lambda t: [*TRAIN, "--device", "cuda", "--out", o(t)], "CUDA is not available"),
            ("robustness device cuda", lambda t: ["robustness", "--checkpoint", str(t / "nope"), "--device", "cuda",
                                                  "--json", j(t)], "CUDA is not available"),
        ]
    return cases


TABLE = _table()


def _prepare(tmp_path: Path) -> set[str]:
    (tmp_path / "inputs").mkdir(exist_ok=True)
    (tmp_path / "inputs" / "a_file").write_text("not a folder\n")
    return snapshot(tmp_path)


@pytest.mark.parametrize("case", TABLE, ids=[c[0] for c in TABLE])
def test_bad_input_is_one_line_exit_2_and_leaves_no_file(case, tmp_path: Path) -> None:
    _, argv, expect = case
    before = _prepare(tmp_path)
    result = run_cli(argv(tmp_path))
    assert_clean_error(result, before, snapshot(tmp_path), expect)


# ------------------------------------------------------------------ damaged checkpoints x readers

READERS = {
    "robustness": lambda ck, t: ["robustness", "--checkpoint", str(ck), "--n", "4", "--preset", "quick",
                                 "--json", str(t / "out.json")],
    "decompose": lambda ck, t: ["decompose", "--checkpoint", str(ck), "--model", "linear", "--subset", "4",
                                "--n-masks", "2", "--json", str(t / "out.json")],
    "train --resume": lambda ck, t: [*TRAIN, "--epochs", "2", "--subset", "64", "--test-subset", "32",
                                     "--batch-size", "32", "--resume", "--out", str(ck)],
}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("damage", list(crafted.CHECKPOINTS))
def test_damaged_checkpoints_fail_cleanly(damage: str, reader: str, trained_run: Path, tmp_path: Path) -> None:
    folder = crafted.CHECKPOINTS[damage](trained_run, tmp_path / "inputs" / damage)
    before = snapshot(tmp_path)
    result = run_cli(READERS[reader](folder, tmp_path))
    assert_clean_error(result, before, snapshot(tmp_path))
    assert "pwned" not in result.out + result.err


# ------------------------------------------------------------------ damaged or crafted data files


def _train_on(data: str, root: Path | None, t: Path) -> list[str]:
    return [*TRAIN, "--data", data, *(["--root", str(root)] if root else []), "--out", str(t / "out")]


# (kind, crafted file or folder maker, how `train --data/--root` names what it made)
BAD_DATA = [*((f"npz-{n}", maker, lambda made: (f"npz:{made}", None)) for n, maker in crafted.NPZ.items()),
            *((f"idx-{n}", maker, lambda made: ("fashion-mnist", made)) for n, maker in crafted.IDX.items()),
            *((f"cifar-{n}", maker, lambda made: ("cifar10", made)) for n, maker in crafted.CIFAR.items())]


@pytest.mark.parametrize("make, source", [case[1:] for case in BAD_DATA], ids=[case[0] for case in BAD_DATA])
def test_bad_data_file_fails_cleanly(make, source, tmp_path: Path) -> None:
    (tmp_path / "inputs").mkdir()
    data, root = source(make(tmp_path / "inputs"))
    before = snapshot(tmp_path)
    result = run_cli(_train_on(data, root, tmp_path))
    assert_clean_error(result, before, snapshot(tmp_path))


# ------------------------------------------------------------------ bad options on a good run

ON_A_RUN = {
    "robustness n 0": (["robustness", "--n", "0"], "--n must lie in"),
    "robustness n too many": (["robustness", "--n", "100000"], "--n must lie in"),
    "robustness eps negative": (["robustness", "--eps", "-0.1"], "eps must be a finite number >= 0"),
    "robustness eps nan": (["robustness", "--eps", "nan"], "eps must be a finite number >= 0"),
    "robustness eps text": (["robustness", "--eps", "a,b"], "--eps must be comma-separated"),
    "robustness json is a folder": (["robustness", "--json", "{tmp}"], "existing folder"),
    "decompose bce on a 10-class run": (["decompose", "--loss", "bce", "--subset", "4"], "outputs"),
    "decompose other data": (["decompose", "--data", "npz:{npz}", "--subset", "4"], "takes images"),
    "train resume with another config": (["train", "--model", "linear", "--epochs", "2", "--subset", "64",
                                          "--test-subset", "32", "--batch-size", "32", "--lr", "0.5",
                                          "--resume", "--no-progress"], "different config (fields ['lr'])"),
    "train resume on other data": (["train", "--model", "linear", "--epochs", "2", "--subset", "63",
                                    "--test-subset", "32", "--batch-size", "32", "--resume", "--no-progress"],
                                   "different config (fields ['subset'])"),
    "train into a finished run": (["train", "--model", "linear", "--epochs", "2", "--subset", "64",
                                   "--test-subset", "32", "--batch-size", "32", "--no-progress"],
                                  "already holds a run"),
}


@pytest.mark.parametrize("name", list(ON_A_RUN))
def test_bad_options_on_a_good_run(name: str, run_copy: Path, tmp_path: Path) -> None:
    args, expect = ON_A_RUN[name]
    npz = tmp_path / "inputs" / "big.npz"
    np.savez(npz, x=np.zeros((8, 12, 12), np.uint8), y=np.arange(8) % 2)
    args = [a.format(tmp=tmp_path, npz=npz) for a in args]
    where = ["--out", str(run_copy)] if args[0] == "train" else ["--checkpoint", str(run_copy)]
    if args[0] != "train" and "--json" not in args:
        where += ["--json", str(tmp_path / "out.json")]
    before = snapshot(tmp_path)
    result = run_cli([*args, *where])
    assert_clean_error(result, before, snapshot(tmp_path), expect)
