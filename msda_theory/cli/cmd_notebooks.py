"""``msda-theory notebooks``: execute the analysis notebooks and render them as HTML, plots included.

The notebooks are kept in git with their outputs stripped (jupytext pairs: notebooks/NN_name.py is the
text, NN_name.ipynb the notebook). A reader who wants to look rather than run gets executed copies:

    msda-theory notebooks --html build/notebooks                      # small default sizes (the workflow)
    msda-theory notebooks --html build/notebooks --only 04 -p preset=evidence   # the committed evidence
    msda-theory notebooks --html build/notebooks --only 01 -p mc_samples=20000 -p size=32,32

``-p NAME=VALUE`` overrides a variable of the cell tagged ``parameters`` (papermill's convention: the
values are set in a cell inserted right after it); VALUE is a Python literal or a bare word (a string).
Every notebook takes ``preset`` ("tiny" by default: the workflow at small sizes; "evidence": the committed
results behind paper_checks.md, read in seconds) and ``results`` (None: this checkout's committed
``results/``). Needs the ``notebooks`` extra (nbclient, nbconvert, ipykernel): ``pip install -e ".[notebooks]"``.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
import re
from pathlib import Path
from typing import Any

NAME = "notebooks"
HELP = "execute the analysis notebooks (optionally with parameters) and render them as HTML"
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "notebooks"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--html", default=None, help="write one executed HTML page per notebook into this folder")
    parser.add_argument("--only", default=None, help="comma-separated notebook prefixes or names, e.g. 01,03")
    parser.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                        help="override a variable of the 'parameters' cell (a Python literal); repeatable")
    parser.add_argument("--notebooks", default=str(DEFAULT_FOLDER), help="folder holding the .ipynb files")
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    parser.add_argument("--list", action="store_true", help="list the notebooks and exit")


BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
"""A value that is no Python literal but matches this is taken as a string: the shell strips the quotes of
``-p preset="evidence"``, so the notebook gets ``preset=evidence``."""


def parse_parameters(items: list[str]) -> dict[str, Any]:
    """['n=3', 'size=32,32', 'preset=evidence'] -> {'n': 3, 'size': (32, 32), 'preset': 'evidence'}: each value
    is a Python literal, or a bare word (letters, digits, '_', '.', '-') taken as a string."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"-p takes NAME=VALUE with a Python name, got {item!r}")
        try:
            values[name.strip()] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            if not BARE_WORD.fullmatch(text.strip()):
                raise ValueError(f"-p {name.strip()}: {text.strip()!r} is not a Python literal (quote strings)") from None
            values[name.strip()] = text.strip()
    return values


def select_notebooks(folder: Path, only: str | None) -> list[Path]:
    """The .ipynb files of ``folder``, restricted to names starting with one of ``only``'s items."""
    from msda_theory.cli._common import selection

    if not folder.is_dir():
        raise ValueError(f"no notebooks folder at {folder} (pass --notebooks DIR)")
    paths = sorted(folder.glob("*.ipynb"))
    wanted = selection(only, "--only")
    if wanted is not None:
        paths = [p for p in paths if any(p.stem.startswith(w) for w in wanted)]
        if not paths:
            raise ValueError(f"--only {only!r} matches no notebook in {folder}")
    return paths


def assigned_names(source: str) -> list[str]:
    """The names a cell assigns at top level (``a = 1``, ``b: int = 2``), in order."""
    names: list[str] = []
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def parameters_cell(nb: Any, name: str) -> int:
    """The index of the cell tagged 'parameters' (papermill's convention)."""
    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise ValueError(f"{name} has no cell tagged 'parameters' to override")
    return index


def inject_parameters(nb: Any, values: dict[str, Any], name: str) -> None:
    """Insert a cell setting those of ``values`` that the notebook's parameters cell assigns, right after it."""
    import nbformat

    index = parameters_cell(nb, name)
    known = assigned_names(nb.cells[index].source)
    taken = {k: v for k, v in values.items() if k in known}
    if not taken:
        return
    source = "# injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in taken.items())
    nb.cells.insert(index + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))


def check_parameters(books: dict[Path, Any], values: dict[str, Any]) -> None:
    """Refuse a parameter that no selected notebook takes (a typo, or a renamed parameter)."""
    known = {n for path, nb in books.items() for n in assigned_names(nb.cells[parameters_cell(nb, path.name)].source)}
    unused = sorted(set(values) - known)
    if unused:
        raise ValueError(f"no selected notebook has a parameter {', '.join(unused)} (they take: {', '.join(sorted(known))})")


def run(args: argparse.Namespace) -> int:
    from msda_theory.cli._common import output_folder

    paths = select_notebooks(Path(args.notebooks), args.only)
    if args.list:
        for path in paths:
            print(path.stem)
        return 0
    if args.html is None:
        raise ValueError("say where to write the executed notebooks: --html DIR (or --list)")
    missing = [m for m in ("nbclient", "nbconvert", "nbformat", "ipykernel") if importlib.util.find_spec(m) is None]
    if missing:
        raise ValueError(f"executing notebooks needs {', '.join(missing)}: pip install -e \".[notebooks]\"")
    values = parse_parameters(args.parameter)
    books = {path: read_notebook(path) for path in paths}
    if values:
        check_parameters(books, values)
    out = output_folder(args.html, "--html")
    out.mkdir(parents=True, exist_ok=True)
    for path, nb in books.items():
        inject_parameters(nb, values, path.name)
        print(f"wrote {render(nb, out / f'{path.stem}.html', timeout=args.timeout)}")
    return 0


def read_notebook(path: Path) -> Any:
    """The notebook at ``path`` (nbformat 4)."""
    import nbformat

    return nbformat.read(path, as_version=4)


def render(nb: Any, target: Path, *, timeout: int) -> Path:
    """Execute ``nb`` (working folder: ``target``'s folder) and write it as HTML to ``target``.

    The notebooks read the committed results store of this checkout (their ``results`` parameter, None by
    default) and compute what it lacks into a scratch folder, so nothing is written into the checkout."""
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    from msda_theory.io import write_text_atomic

    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(target.parent)}}).execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    return write_text_atomic(target, html)
