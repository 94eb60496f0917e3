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
