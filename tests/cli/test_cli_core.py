"""The command line: subcommand discovery, one-line errors with exit status 2, masks/bench/check/figures."""
import json
import subprocess
import sys

import pytest

from msda_theory import masks
from msda_theory.cli import build_parser, main


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "msda_theory", *args], capture_output=True, text=True, timeout=300)


def test_help_of_every_command_renders(capsys):
    parser = build_parser()
    for name in parser._subparsers._group_actions[0].choices:
        with pytest.raises(SystemExit) as exit_:
            main([name, "--help"])
        assert exit_.value.code == 0
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "reproduce" in out and "robustness" in out


def test_subcommands_are_discovered():
    parser = build_parser()
    choices = parser._subparsers._group_actions[0].choices
    assert {"masks", "bench", "check", "figures", "reproduce"} <= set(choices)


@pytest.mark.parametrize(
    "args, message",
    [
        (["masks", "--strategies", "mixup,foo"], "msda-theory masks: error: unknown strategy 'foo'"),
        (["masks", "--lam", "1.5"], "msda-theory masks: error: lam must be in (0, 1), got 1.5"),
        (["masks", "--r", "-0.1"], "msda-theory masks: error: r must be a number in [0, 1], got -0.1"),
        (["check", "--only", "999"], "msda-theory check: error: unknown check id(s) ['999']"),
        (["figures", "--only", "nope"], "msda-theory figures: error: unknown figure(s) ['nope']"),
        (["nosuchcommand"], "msda-theory: error: argument COMMAND: invalid choice"),
        (["masks", "--lam", "abc"], "msda-theory masks: error: argument --lam: invalid float value: 'abc'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, capsys):
    try:
        status = main(args)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(message), lines


def test_the_installed_command_exits_2_without_traceback():
    result = run_cli("masks", "--strategies", "foo")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    families = ", ".join(masks.FAMILIES)  # read from the registry, never listed by hand
    assert result.stderr.strip() == f"msda-theory masks: error: unknown strategy 'foo'; choose one of: {families}"


def test_masks_writes_the_figure_with_its_data(tmp_path):
    assert main(["masks", "--out", str(tmp_path), "--strategies", "mixup,cutmix,hmix,gmix,fmix"]) == 0
    assert (tmp_path / "masks.png").stat().st_size > 10_000 and (tmp_path / "masks.pdf").exists()
    payload = json.loads((tmp_path / "masks.json").read_text())
    assert payload["config"]["lam0"] == 0.65 and payload["config"]["r"] == 0.5
    assert payload["data"]["mixup"]["lam_shown"] == pytest.approx(0.65, abs=1e-6)
    assert payload["data"]["hmix"]["lam_shown"] == pytest.approx(0.65, abs=1e-6)


def test_bench_quick_reports_ratios_to_lerp(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--repeats", "3", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())["rows"]
    assert {r["family"] for r in rows} == {"lerp", "mixup", "cutmix", "hmix", "gmix", "fmix"}
    assert all(r["ratio_to_lerp"] > 0 for r in rows)
    assert all("elem_over_batch" in r for r in rows if r["mode"] == "elem")
    assert "× lerp" in capsys.readouterr().out


def test_check_writes_a_ledger_with_a_row_per_claim(tmp_path):
    ledger = tmp_path / "ledger.md"
    assert main(["check", "--only", "1a", "--out", str(ledger), "--results", str(tmp_path / "results")]) == 0
    text = ledger.read_text()
    assert "mode: **quick**" in text and "| 1a |" in text and "msda-theory check --only 1a" in text
    assert any(v in text for v in ("**holds**", "**fails**", "**inconclusive**"))


def test_crashing_check_is_reported_and_exit_status_is_1(tmp_path, monkeypatch):
    from msda_theory.checks import registry

    def boom(ctx):
        raise RuntimeError("deliberate failure")

    monkeypatch.setitem(registry._REGISTRY, "0", registry.Check("0", "a claim that crashes", "derived", "x", boom))
    ledger = tmp_path / "ledger.md"
    assert main(["check", "--only", "0", "--out", str(ledger)]) == 1
    assert "crashed: RuntimeError: deliberate failure" in ledger.read_text()


def test_help_strings_name_what_the_registries_hold(run_cli, monkeypatch) -> None:
    """An attack or a data set registered later appears in the help (read when the parser is built)."""
    from msda_theory import data
    from msda_theory.attacks import ATTACKS, Attack

    monkeypatch.setenv("COLUMNS", "1000")  # one line per option: argparse wraps at the terminal's width
    monkeypatch.setitem(ATTACKS, "nothing", Attack(lambda model, x, y, eps, s: None))
    monkeypatch.setattr(data, "DATASETS", (*data.DATASETS, "mine"))
    status, captured = run_cli(["robustness", "--help"])
    assert status == 0
    assert "fgsm or pgd or nothing (default: the preset's)" in captured.out
    assert "(digits, fashion-mnist, cifar10, cifar100, mine, npz:PATH)" in captured.out
    for command in ("decompose", "sweep"):
        status, captured = run_cli([command, "--help"])
        assert status == 0 and "cifar100, mine, npz:PATH" in captured.out
