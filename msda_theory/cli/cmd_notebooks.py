"""``msda-theory notebooks``: execute the analysis notebooks and render them as HTML, plots included.

The notebooks are kept in git with their outputs stripped (jupytext pairs: notebooks/NN_name.py is the
text, NN_name.ipynb the notebook). A reader who wants to look rather than run gets executed copies:

    msda-theory notebooks --html build/notebooks                      # small default sizes
    msda-theory notebooks --html build/notebooks --only 01 -p mc_samples=20000 -p size=32,32

``-p NAME=VALUE`` overrides a variable of the cell tagged ``parameters`` (papermill's convention: the
values are set in a cell inserted right after it). Needs the ``notebooks`` extra (nbclient, nbconvert,
ipykernel): ``pip install -e ".[notebooks]"``.
"""
from __future__ import annotations

import argparse
import ast
import importlib.util
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


def parse_parameters(items: list[str]) -> dict[str, Any]:
    """['n=3', 'size=32,32'] -> {'n': 3, 'size': (32, 32)}; each value is a Python literal."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"-p takes NAME=VALUE with a Python name, got {item!r}")
        try:
            values[name.strip()] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            raise ValueError(f"-p {name.strip()}: {text.strip()!r} is not a Python literal (quote strings)") from None
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


def inject_parameters(nb: Any, values: dict[str, Any], name: str) -> None:
    """Insert a cell setting ``values`` right after the cell tagged 'parameters' (papermill's convention)."""
    import nbformat

    if not values:
        return
    cells = nb.cells
    index = next((i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if index is None:
        raise ValueError(f"{name} has no cell tagged 'parameters' to override")
    source = "# injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in values.items())
    cells.insert(index + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))


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
    out = output_folder(args.html, "--html")
    for path in paths:
        print(f"wrote {render(path, out, values, timeout=args.timeout)}")
    return 0


def render(path: Path, out: Path, values: dict[str, Any], *, timeout: int) -> Path:
    """Execute the notebook at ``path`` (working folder ``out``) and write ``out/<name>.html``."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    from msda_theory.io import write_text_atomic

    nb = nbformat.read(path, as_version=4)
    inject_parameters(nb, values, path.name)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(out)}}).execute()
    html, _ = HTMLExporter().from_notebook_node(nb)
    return write_text_atomic(out / f"{path.stem}.html", html)
