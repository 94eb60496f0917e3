"""Strategy specs "family:param=value,...": parsing, writing, validation by the family, user classes.

The registered families are never listed by hand here: a family defined in this file is
registered for the tests that need one, and the others read the registry.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from msda_theory import masks
from msda_theory.train import TrainConfig, fit

NAME = "bands"


@dataclass(frozen=True)
class Bands(masks.BetaMaskFamily):
    """M = 1 on the first round(lam0 H) rows (the last ones when ``flip``); ``rows`` (unused) is an int parameter."""

    rows: int = 1
    flip: bool = False
    name = NAME

    def geometry(self, lam0: np.ndarray, size: masks.Size, u: np.ndarray, *, generator: torch.Generator | None,
                 device: torch.device | str | None, dtype: torch.dtype) -> torch.Tensor:
        """Horizontal bands (n, H, W): 1 on rows y < round(lam0 H) (reversed when ``flip``)."""
        h, w = size
        k = torch.round(torch.from_numpy(lam0) * h)
        rows = (torch.arange(h, dtype=torch.float64)[None, :] < k[:, None]).to(torch.float64)
        rows = rows.flip(1) if self.flip else rows
        return rows[:, :, None].expand(-1, -1, w)


@pytest.fixture
def bands():
    masks.register(NAME, Bands, defaults={"alpha": 1.0, "rows": 1, "flip": False})
    yield
    masks.unregister(NAME)


@pytest.mark.parametrize("text, name, params", [
    ("hmix", "hmix", {}),
    ("HMix:alpha=2,r=0.25", "hmix", {"alpha": 2, "r": 0.25}),
    (" hmix : alpha = 2 , r = 0.25 ", "hmix", {"alpha": 2, "r": 0.25}),
    ("none", "none", {}),
    ("mymasks:Stripe", "mymasks:Stripe", {}),
    ("pkg.sub:Stripe:width=3,on=true,tag=x", "pkg.sub:Stripe", {"width": 3, "on": True, "tag": "x"}),
])
def test_parse_spec_reads_the_grammar_without_importing(text, name, params):
    assert masks.parse_spec(text) == (name, params)
    assert "mymasks" not in sys.modules and "pkg" not in sys.modules


def test_a_registered_family_is_named_by_a_spec_and_written_with_every_parameter(bands):
    assert NAME in masks.strategies()
    assert masks.from_spec(f"{NAME}:rows=3,flip=true") == Bands(alpha=1.0, rows=3, flip=True)
    assert masks.canonical_spec(NAME) == f"{NAME}:alpha=1.0,rows=1,flip=false"
    assert masks.canonical_spec(f"{NAME}:alpha=2") == f"{NAME}:alpha=2.0,rows=1,flip=false"  # int read as float
    assert masks.short_spec(f"{NAME}:alpha=1.0,rows=3,flip=false") == f"{NAME}:rows=3"
    with pytest.raises(ValueError, match=rf"^{NAME} takes alpha, rows, flip; got width$"):
        masks.from_spec(f"{NAME}:width=2")


@pytest.mark.parametrize("family", masks.strategies()[1:])
def test_every_registered_family_round_trips_through_its_canonical_spec(family):
    spec = masks.canonical_spec(family)
    assert masks.from_spec(spec) == masks.get(family, **masks.DEFAULTS[family])
    assert masks.canonical_spec(spec) == spec and masks.short_spec(spec) == family
    assert masks.spec_of(masks.from_spec(spec)) == spec


@settings(max_examples=60, deadline=None)
@given(alpha=st.floats(1e-3, 1e3), r=st.floats(0.0, 1.0))
def test_format_then_parse_gives_the_same_law(alpha, r):
    """Floats are written exactly (repr), so the law read back is the law written."""
    spec = masks.format_spec("hmix", {"alpha": alpha, "r": r})
    assert masks.from_spec(spec) == masks.HMix(alpha=alpha, r=r)
    assert masks.canonical_spec(spec) == spec


def test_split_specs_keeps_the_parameters_with_their_spec():
    text = "none, mixup,hmix:alpha=2,r=0.25,cutmix,mymasks:Stripe:width=3,on=true"
    assert masks.split_specs(text) == ["none", "mixup", "hmix:alpha=2,r=0.25", "cutmix",
                                       "mymasks:Stripe:width=3,on=true"]
    assert masks.split_specs(",,") == []


@pytest.mark.parametrize("text, message", [
    ("mixmatch", rf"^unknown strategy 'mixmatch'; choose one of: {', '.join(masks.strategies())}, or module:Class$"),
    ("mixup:r=0.3", r"^mixup takes alpha; got r$"),
    ("hmix:alpha=2,q=1,s=2", r"^hmix takes alpha, r; got q, s$"),
    ("none:alpha=2", r"^none takes no parameters; got alpha$"),
    ("hmix:r=1.5", r"^r must be a number in \[0, 1\], got 1.5$"),
    ("hmix:alpha=abc", r"^alpha must be a finite number > 0, got 'abc'$"),
    ("mixup:alpha=nan", r"^alpha must be a finite number > 0, got nan$"),
    ("hmix:", r"strategy spec 'hmix:': expected KEY=VALUE, got ''"),
    ("hmix:alpha", r"expected KEY=VALUE, got 'alpha'"),
    ("hmix:alpha=", r"expected KEY=VALUE, got 'alpha='"),
    ("hmix:alpha=1,alpha=2", r"strategy spec 'hmix:alpha=1,alpha=2' gives alpha twice"),
    ("my-masks:Stripe", r"must look like NAME\[:KEY=VALUE,...\] or module:Class"),
    (3, r"a strategy spec must be a string"),
])
def test_bad_specs_raise_the_family_or_grammar_message(text, message):
    with pytest.raises(ValueError, match=message):
        masks.from_spec(text)
    with pytest.raises(ValueError, match=message):
        masks.canonical_spec(text)


def test_format_spec_refuses_values_that_would_not_read_back():
    with pytest.raises(ValueError, match=r"cannot be empty or hold ':', ',' or '=', got 'a,b'"):
        masks.format_spec("x:Y", {"tag": "a,b"})


USER_MODULE = '''
from dataclasses import dataclass
import torch


@dataclass(frozen=True)
class Stripe:
    width: int = 2
    level: float = 1.0

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        h, w = size
        cols = ((torch.arange(w) // self.width) % 2 == 0).to(dtype) * self.level
        mask = cols.expand(n, h, w).to(device=device)
        return mask, mask.mean((-2, -1))


class Plain:
    def __init__(self, width=1):
        self.width = width

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        mask = torch.ones(n, *size, dtype=dtype, device=device)
        return mask, mask.mean((-2, -1))


class NoSample:
    pass
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A module msda_spec_user_masks.py in a fresh current folder that is not on sys.path."""
    name = "msda_spec_user_masks"
    (tmp_path / f"{name}.py").write_text(USER_MODULE)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".", str(tmp_path))])
    yield name
    sys.modules.pop(name, None)


def test_a_user_class_is_imported_from_the_current_folder(user_module):
    path = list(sys.path)
    law = masks.from_spec(f"{user_module}:Stripe:width=3,level=1")
    assert type(law).__name__ == "Stripe" and law.width == 3 and law.level == 1.0 and isinstance(law.level, float)
    assert sys.path == path  # the current folder was on the path for the import only
    assert masks.spec_of(law) == f"{user_module}:Stripe:width=3,level=1.0"
    assert masks.from_spec(f"{user_module}:Plain:width=4").width == 4  # not a dataclass: __init__'s parameters
    mask, lam = law.sample(2, (2, 6))
    assert torch.equal(lam, mask.mean((-2, -1)))


@pytest.mark.parametrize("suffix, message", [
    ("Stripe:height=3", r"^msda_spec_user_masks:Stripe takes width, level; got height$"),
    ("NoSample", r"must name a class with a sample\(n, size, \*, generator, device, dtype\) method"),
    ("Missing", r"'msda_spec_user_masks' has no 'Missing' \(from the strategy 'msda_spec_user_masks:Missing'\)"),
])
def test_user_class_errors(user_module, suffix, message):
    with pytest.raises(ValueError, match=message):
        masks.from_spec(f"{user_module}:{suffix}")


def test_a_module_that_fails_on_import_is_a_value_error(user_module, tmp_path):
    (tmp_path / "msda_spec_broken.py").write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ValueError, match=r"importing 'msda_spec_broken' for the strategy 'msda_spec_broken:X' raised "
                                         r"RuntimeError: boom"):
        masks.from_spec("msda_spec_broken:X")


def test_an_unknown_module_is_a_value_error():
    with pytest.raises(ValueError, match=r"cannot import 'msda_no_such_module' for the strategy"):
        masks.from_spec("msda_no_such_module:Stripe")


def test_fit_trains_one_epoch_with_the_spec_it_records(bands, tmp_path):
    """The parameters of the spec reach the masks: the same spec (in another order) gives the same loss, another
    value of a parameter another loss."""
    base = dict(data="digits", model="linear", epochs=1, subset=96, test_subset=32, batch_size=32)
    run = fit(TrainConfig(**base, strategy=f"{NAME}:rows=2,flip=true,alpha=0.5"), tmp_path, progress=False)
    assert run.metrics["config"]["strategy"] == f"{NAME}:alpha=0.5,rows=2,flip=true"
    same = fit(TrainConfig(**base, strategy=f"{NAME}:alpha=0.5,flip=true,rows=2"), progress=False)
    other = fit(TrainConfig(**base, strategy=f"{NAME}:alpha=0.5,rows=2"), progress=False)
    loss = run.metrics["epochs"][0]["train_loss"]
    assert math.isfinite(loss) and loss == same.metrics["epochs"][0]["train_loss"]
    assert loss != other.metrics["epochs"][0]["train_loss"]
