"""The README's tour runs as written: every ```python block, in order, in one namespace."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_has_a_tour() -> None:
    assert len(python_blocks(README.read_text())) >= 2


def test_readme_code_blocks_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the tour writes runs/...
    namespace: dict[str, object] = {"__name__": "readme"}
    for index, block in enumerate(python_blocks(README.read_text())):
        exec(compile(block, f"README.md python block {index}", "exec"), namespace)  # noqa: S102
    terms, table = namespace["terms"], namespace["table"]  # the ReLU note's premise, and a sweep with test data
    assert terms.r3 == 0.0 and any("piecewise linear" in note for note in terms.notes)
    assert all(row["test_accuracy_mean"] is not None for row in table["rows"])


def test_readme_tour_attacks_held_out_data_and_explains_a_zero_r3() -> None:
    """The tour's attack uses the test split, and its ReLU decomposition (R3 = 0 exactly: checked where the
    tour runs) comes with the sentence that explains it and the remainder."""
    text = README.read_text()
    attack = re.search(r"evaluate_robustness\(run\.model, (\w+)\.x", text)
    assert attack and re.search(rf'{attack.group(1)} = load\("digits", split="test"\)', text)
    assert "R3 is exactly 0" in text and "remainder" in text.split("R3 is exactly 0")[1][:300]
