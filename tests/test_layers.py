"""The layer chart of docs/architecture.md is the code's: every package or top-level module of msda_theory sits on
one floor of the chart, and no import (module-level or inside a function) reaches a higher floor or closes a
cycle between two of them."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "msda_theory"
DESCRIPTION_COLUMN = 40
"""A chart line indented this far holds only the description of the floor above."""


def chart_floors() -> list[list[str]]:
    """The floors of the chart (top first), each a list of unit names ('cli', 'mix', ...), read from the doc."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = text.split("## Layers", 1)[1].split("```", 2)[1]
    floors: list[list[str]] = []
    for line in block.splitlines():
        if not line.strip() or len(line) - len(line.lstrip()) >= DESCRIPTION_COLUMN:
            continue  # blank, or the description column continued
        left = re.split(r"\s{2,}", line.strip())[0]
        names = [n.strip().rstrip("/").removesuffix(".py") for n in re.split(r"[,+]", left.removeprefix("->"))]
        names = [n for n in names if n]
        if left.startswith("->") or not floors:
            floors.append(names)
        else:  # a floor's names continued on the next line
            floors[-1].extend(names)
    return floors


def unit(module: str) -> str:
    """'msda_theory.train.fit' -> 'train'; the package itself -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports() -> dict[str, set[tuple[str, str]]]:
    """unit -> {(imported unit, 'file:line')} over every import of msda_theory code in the package."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        source = unit(".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts))
        found.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("msda_theory"):
                targets = [f"msda_theory.{a.name}" for a in node.names] if node.module == "msda_theory" else [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("msda_theory")]
            else:
                continue
            for target in targets:
                if unit(target) not in ("", "__version__", source):
                    found[source].add((unit(target), f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def test_the_chart_names_every_unit_once() -> None:
    floors = chart_floors()
    names = [n for floor in floors for n in floor]
    assert len(names) == len(set(names)), names
    units = {u for u in imports() if u and u != "__main__"}
    assert units == set(names), (sorted(units - set(names)), sorted(set(names) - units))


def test_no_import_reaches_a_higher_floor_or_closes_a_cycle() -> None:
    floor = {n: i for i, names in enumerate(chart_floors()) for n in names}
    graph = imports()
    upward = [(s, t, where) for s, edges in graph.items() for t, where in edges
              if s in floor and floor[t] < floor[s]]
    assert upward == []
    targets = {s: {t for t, _ in edges} for s, edges in graph.items()}
    cycles = sorted((s, t) for s in targets for t in targets[s] if s in targets.get(t, set()))
    assert cycles == []


def test_the_chart_reader_sees_the_floors_it_should() -> None:
    """The reader itself: the top floor is the CLI and the bottom one the user-object importer."""
    floors = chart_floors()
    assert floors[0] == ["cli"] and floors[-1] == ["user_objects"]
    assert {"train", "regularizers", "attacks"} <= set(floors[4])
