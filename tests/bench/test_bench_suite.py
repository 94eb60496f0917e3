"""The benchmark suite's pieces: slopes, child-process peak memory, targets and the README table."""
from __future__ import annotations


import pytest

from msda_theory.bench.scale import in_child, slope
from msda_theory.bench.suite import README_END, README_START, format_suite, targets, write_readme
from msda_theory.cli import main


def test_slope_recovers_a_power_law() -> None:
    sizes = [10.0, 100.0, 1000.0]
    assert slope(sizes, [3.0 * s**1.5 for s in sizes]) == pytest.approx(1.5)
    assert slope([5.0], [1.0]) is None


def test_weights_case_in_a_child_reports_time_and_its_own_peak_memory() -> None:
    r = in_child("weights", side=8)
    assert r["size"] == [8, 8] and r["seconds"] > 0
    assert 10 * 2**20 < r["peak_rss_bytes"] <= r["ru_maxrss_bytes"]


def test_pgd_case_in_a_child_times_pgd_against_its_floor() -> None:
    r = in_child("pgd", n=6, batch=4, min_run_time=0.05)
    assert r["n"] == 6 and r["batch"] == 4 and r["seconds"] > 0 and r["floor_seconds"] > 0
    assert r["ratio_to_floor"] == r["seconds"] / r["floor_seconds"] and r["peak_rss_bytes"] > 10 * 2**20


def fake_result() -> dict:
    row = lambda fam, mode, s, **kw: {"shape": [2, 1, 4, 4], "family": fam, "mode": mode, "median_s": s,  # noqa: E731
                                      "best_s": s / 2, "ratio_to_lerp": s / 1e-6, **kw}
    rows = [row("lerp", "-", 1e-6), row("mixup", "batch", 1e-4), row("cutmix", "batch", 2e-4),
            row("hmix", "batch", 1e-4), row("gmix", "batch", 1e-4), row("fmix", "batch", 1e-4),
            row("fmix", "elem", 5e-4, elem_over_batch=5.0)]
    dec = {"model": "cnn", "n": 100, "draws": 4, "seconds": 3.0, "floor_seconds": 2.0, "ratio_to_floor": 1.5,
           "peak_rss_bytes": 3 * 2**30}
    return {"machine": "x", "cpu_count": 2, "torch": "t", "device": "cpu", "load_average_before": [1, 1, 1],
            "load_average_after": [2, 2, 2], "mix": {"rows": rows, "repeats": 3},
            "pgd": {"n": 10, "seconds": 1.2, "floor_seconds": 1.0, "ratio_to_floor": 1.2},
            "decompose": {"runs": [dec], "resnet": dict(dec, model="resnet"), "slope_seconds_vs_n": None,
                          "slope_rss_vs_n": None},
            "weights": {"runs": [{"size": [8, 8], "pixels": 64, "seconds": 61.0, "peak_rss_bytes": 2**30}],
                        "slope_seconds_vs_pixels": 1.0, "slope_rss_vs_pixels": 0.5},
            "epoch": {"ratio_to_no_mixing": {"none": 1.0, "mixup": 1.1}}}


def test_targets_compare_each_measure_with_its_limit() -> None:
    got = {t["target"]: t for t in targets(fake_result())}
    assert got["mix fixed cost, cutmix (µs per call, median of rounds)"]["measured"] == pytest.approx(200.0)
    assert not got["mix fixed cost, cutmix (µs per call, median of rounds)"]["met"]
    assert got["mix fixed cost, cutmix (µs per call, best round)"]["met"]
    assert got["decompose direct / floor (n=100, 4 draws)"]["met"]  # 1.5 <= 1.5
    assert not got["decompose peak RSS GB (n=100, 4 draws)"]["met"]
    assert not got["CutMix exact weights 8x8 seconds"]["met"] and got["CutMix exact weights 8x8 peak RSS GB"]["met"]
    assert got["FMix elem / batch (2x1x4x4)"]["measured"] == 5.0


def test_readme_section_is_rewritten_between_markers(tmp_path) -> None:
    result = fake_result()
    result["targets"] = targets(result)
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{README_START}\nold table\n{README_END}\noutro\n")
    write_readme(readme, result)
    text = readme.read_text()
    assert "old table" not in text and text.startswith("intro\n") and text.endswith("outro\n")
    assert format_suite(result) in text and "| decompose direct (resnet) | 100 × 4 draws |" in text
    assert "Clock: " in text
    readme.write_text("no markers")
    with pytest.raises(ValueError, match="has no '<!-- bench-suite:start -->'"):
        write_readme(readme, result)


def test_cli_readme_needs_the_whole_suite(capsys) -> None:
    assert main(["bench", "--readme", "README.md"]) == 2
    assert "--readme needs --suite all" in capsys.readouterr().err


def test_cli_writes_the_readme_table_from_a_saved_suite_without_running(tmp_path, capsys) -> None:
    import json

    result = fake_result()
    result["targets"] = targets(result)
    saved, readme = tmp_path / "suite.json", tmp_path / "README.md"
    saved.write_text(json.dumps(result))
    readme.write_text(f"{README_START}\n{README_END}\n")
    assert main(["bench", "--suite", "all", "--readme", str(readme), "--from-json", str(saved)]) == 0
    assert format_suite(result) in readme.read_text()
    saved.write_text(json.dumps({"machine": "x"}))
    assert main(["bench", "--suite", "all", "--readme", str(readme), "--from-json", str(saved)]) == 2
    assert "is not a bench suite result (missing targets, mix, fmix" in capsys.readouterr().err
    assert main(["bench", "--from-json", str(saved)]) == 2
    assert "--from-json and --sections go with --suite all" in capsys.readouterr().err
    assert main(["bench", "--suite", "all", "--sections", "mix,bogus"]) == 2
    assert "sections must be a non-empty list from: mix, fmix, pgd, decompose, weights, epoch, fit; got ['mix', 'bogus']" \
        in capsys.readouterr().err


def test_timed_once_calls_the_function_exactly_once() -> None:
    from msda_theory.timing import timed

    calls = []
    assert timed(lambda: calls.append(1), once=True, cpu=True) >= 0 and calls == [1]


def test_official_targets_are_read_at_the_batch_with_the_most_elements() -> None:
    result = fake_result()
    row = {"family": "cutmix", "mode": "batch", "median_s": 1e-3, "best_s": 1e-3, "ratio_to_lerp": 1.0}
    result["mix"]["rows"] += [dict(row, shape=[128, 3, 32, 32], ratio_to_official=0.5),
                              dict(row, shape=[64, 3, 224, 224], ratio_to_official=1.5)]
    got = {t["target"]: t for t in targets(result) if t["target"].startswith("mix / official")}
    assert list(got) == ["mix / official-semantics call, cutmix batch (64x3x224x224)"]
    assert not got["mix / official-semantics call, cutmix batch (64x3x224x224)"]["met"]


def test_a_section_wise_rerun_keeps_the_other_sections_and_recomputes_the_targets(tmp_path, capsys) -> None:
    import json

    base = fake_result()
    base["targets"] = targets(base)
    saved, readme = tmp_path / "suite.json", tmp_path / "README.md"
    saved.write_text(json.dumps(base))
    readme.write_text(f"{README_START}\n{README_END}\n")
    assert main(["bench", "--suite", "all", "--quick", "--sections", "fit", "--from-json", str(saved),
                 "--json", str(saved), "--readme", str(readme)]) == 0
    result = json.loads(saved.read_text())
    assert result["mix"] == base["mix"] and result["decompose"] == base["decompose"]  # kept as measured before
    fit = result["fit"]
    assert result["sections_run"] == ["fit"] and fit["same_weights"]  # the bare loop does fit's work exactly
    assert fit["ratio_to_bare"] == pytest.approx(fit["median_seconds"]["fit"] / fit["median_seconds"]["bare"])
    assert len(fit["load_average"]) == 2
    got = {t["target"]: t for t in result["targets"]}
    name = "fit / bare loop (2 epochs, 64 images, MLP, cutmix, evaluation each epoch)"
    assert got[name]["limit"] == 1.25 and got[name]["measured"] == fit["ratio_to_bare"]
    text = readme.read_text()
    assert "Sections measured in the latest run: fit." in text and "| fit vs a bare loop, same work |" in text


def test_official_targets_include_the_fixed_cost_at_the_tiny_batch() -> None:
    result = fake_result()
    result["mix"]["rows"][1]["ratio_to_official"] = 0.9
    got = {t["target"]: t for t in targets(result) if t["target"].startswith("mix / official")}
    assert list(got) == ["mix / official-semantics call, mixup batch (2x1x4x4)"] and got[list(got)[0]]["met"]
