"""Every notebook under notebooks/ executes top to bottom at its small default size.

Each notebook seeds in its first cell, has a cell tagged 'parameters' (small by
default) and asserts its key results, so an execution error is a failed claim
or a broken API. Outputs are stripped in git (checked here too).
"""
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stripped_seeded_and_parametrized(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "outputs must be stripped"
    assert any("parameters" in c.metadata.get("tags", []) for c in code)
    assert "manual_seed" in code[0].source or "manual_seed" in code[1].source


def tree_files():
    """Every file of the checkout except git's own and Python's and pytest's caches."""
    skip = {".git", "__pycache__", ".pytest_cache", ".hypothesis"}
    return {str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes_in_place_and_leaves_the_tree_alone(path, tmp_path, monkeypatch):
    """Executed from notebooks/ (as `jupyter nbconvert --execute` does), with the default results store: the
    committed results are read, the tiny results it computes land in the temp folder, nothing in the tree."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.delenv("MSDA_NOTEBOOK_OUT", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the kernel's tempfile.gettempdir()
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))  # this checkout, not an installed copy
    before = tree_files()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    assert tree_files() == before
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "show the workflow, not evidence" in outputs and "verdict: crashed" not in outputs
    assert outputs.count("    verdict: ") >= 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_a_jupytext_pair_in_sync(path):
    """notebooks/NN.py (py:percent, the reviewed text) and NN.ipynb hold the same cells."""
    jupytext = pytest.importorskip("jupytext")
    text = path.with_suffix(".py")
    assert text.is_file(), f"{path.name} has no paired {text.name}"
    nb = nbformat.read(path, as_version=4)
    paired = jupytext.read(text)
    assert [(c.cell_type, c.source) for c in paired.cells] == [(c.cell_type, c.source) for c in nb.cells]
    assert nb.metadata.get("jupytext", {}).get("formats") == "ipynb,py:percent"
