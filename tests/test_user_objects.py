"""user_objects.resolve: a user's pkg.mod:name from the current folder, sys.path left as it was, errors that name
the interface in use."""
from __future__ import annotations

import sys

import pytest
import torch

from msda_theory.models import from_spec
from msda_theory.user_objects import is_spec, resolve


@pytest.fixture()
def cwd_module(tmp_path, monkeypatch):
    """A folder holding uo_cwd_mod.py, made the current folder (and absent from sys.path)."""
    (tmp_path / "uo_cwd_mod.py").write_text("VALUE = 41\n\ndef make():\n    return VALUE + 1\n")
    (tmp_path / "uo_broken_mod.py").write_text("raise RuntimeError('boom at import')\n")
    (tmp_path / "uo_dep_mod.py").write_text("import uo_surely_missing_dependency\n")
    (tmp_path / "uo_lazy_mod.py").write_text("def net():\n    from uo_lazy_helper import build\n    return build()\n")
    (tmp_path / "uo_lazy_helper.py").write_text("from torch import nn\n\ndef build():\n    return nn.Linear(2, 3)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
    for name in ("uo_cwd_mod", "uo_broken_mod", "uo_dep_mod", "uo_lazy_mod", "uo_lazy_helper"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


def test_a_module_in_the_current_folder_resolves_and_sys_path_is_restored(cwd_module):
    before = list(sys.path)
    make = resolve("uo_cwd_mod:make", "--model")
    assert make() == 42 and resolve("uo_cwd_mod:VALUE", "--data") == 41
    assert sys.path == before


def test_a_factory_importing_its_neighbours_when_called_finds_them(cwd_module):
    """models.from_spec calls the factory with the current folder still searchable, then restores sys.path."""
    before = list(sys.path)
    model = from_spec("uo_lazy_mod:net", "--model")
    assert isinstance(model, torch.nn.Linear) and model.msda_factory == "uo_lazy_mod:net" and sys.path == before


@pytest.mark.parametrize(("spec", "what", "message"), [
    ("uo_cwd_mod", "--model", r"^--model is written 'package.module:name', got 'uo_cwd_mod'$"),
    ("uo_cwd_mod:", "--data", r"^--data is written 'package.module:name', got 'uo_cwd_mod:'$"),
    (":make", "--model", r"^--model is written 'package.module:name', got ':make'$"),
    ("a b:make", "--model", r"^--model is written 'package.module:name', got 'a b:make'$"),
    ("uo_cwd_mod:no_such", "fit(model=...)",
     r"^'uo_cwd_mod' has no 'no_such' \(from fit\(model=\.\.\.\) 'uo_cwd_mod:no_such'\)$"),
    ("uo_nowhere_mod:make", "--model",
     r"^cannot import 'uo_nowhere_mod' for --model 'uo_nowhere_mod:make': no such module in the current folder "),
    ("uo_broken_mod:make", "--data",
     r"^importing 'uo_broken_mod' for --data 'uo_broken_mod:make' raised RuntimeError: boom at import$"),
    ("uo_dep_mod:make", "--model",
     r"^cannot import 'uo_dep_mod' for --model 'uo_dep_mod:make': No module named 'uo_surely_missing_dependency'$"),
])
def test_bad_specs_are_one_value_error_naming_the_interface(cwd_module, spec, what, message):
    before = list(sys.path)
    with pytest.raises(ValueError, match=message):
        resolve(spec, what)
    assert sys.path == before


@pytest.mark.parametrize(("text", "expected"), [
    ("pkg.mod:fn", True), ("mymodels:net", True), ("npz:data", True), ("cnn", False), ("factory:a:b", False),
    ("a:b:c", False), ("", False), ("a.:b", False), (3, False),
])
def test_is_spec_matches_only_package_module_name(text, expected):
    assert is_spec(text) is expected
