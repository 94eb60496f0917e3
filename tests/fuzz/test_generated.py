"""Generated bad inputs (Hypothesis): random bytes and headers for every file reader, random option text.

The property: a reader either returns a valid result or raises ValueError (or
FileNotFoundError) with a one-line message -- never another exception type,
never a multi-line message.
"""
from __future__ import annotations

import pickle
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import crafted
from msda_theory import io as toolkit_io
from msda_theory.cli._common import parse_size
from msda_theory.cli.cmd_robustness import parse_eps
from msda_theory.data import load
from msda_theory.data.idx import IMAGES_MAGIC, parse_idx
from msda_theory.data.safe_pickle import safe_unpickle
from msda_theory.train.checkpoint import read_checkpoint

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def one_line_value_error(call) -> object:
    try:
        return call()
    except (ValueError, FileNotFoundError) as err:
        assert "\n" not in str(err).strip(), str(err)
        return err


@FAST
@given(blob=st.binary(max_size=2048))
def test_random_checkpoint_bytes(blob: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.pt"
        path.write_bytes(blob)
        assert isinstance(one_line_value_error(lambda: read_checkpoint(path)), ValueError)


@FAST
@given(blob=st.binary(max_size=2048), zipped=st.booleans())
def test_random_npz_bytes(blob: bytes, zipped: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.npz"
        if zipped:
            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("x.npy", blob)
                archive.writestr("y.npy", blob[::-1])
        else:
            path.write_bytes(blob)
        assert isinstance(one_line_value_error(lambda: load(f"npz:{path}")), ValueError)


@FAST
@given(shape=st.lists(st.integers(0, 10**7), min_size=1, max_size=4), dtype=st.sampled_from(["|u1", "<f4", "<f8", "<i8"]))
def test_npz_headers_are_checked_before_loading(shape: list[int], dtype: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(toolkit_io, "MAX_ALLOC_BYTES", 2**20)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.npz"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("x.npy", crafted.npy_header_only(tuple(shape), dtype))
            archive.writestr("y.npy", crafted.npy_header_only((shape[0],), "<i8"))
        assert isinstance(one_line_value_error(lambda: load(f"npz:{path}")), ValueError)


@FAST
@given(dims=st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
       payload=st.binary(max_size=512))
def test_idx_headers_never_allocate_past_the_file(dims: tuple[int, int, int], payload: bytes) -> None:
    data = struct.pack(">i", IMAGES_MAGIC) + b"".join(struct.pack(">I", d) for d in dims) + payload
    result = one_line_value_error(lambda: parse_idx(data, IMAGES_MAGIC, "mem"))
    if isinstance(result, np.ndarray):
        assert result.size == len(payload) and result.shape == dims


@FAST
@given(blob=st.binary(max_size=2048))
def test_random_pickle_bytes(blob: bytes) -> None:
    one_line_value_error(lambda: safe_unpickle(blob, "mem"))


@FAST
@given(shape=st.lists(st.integers(0, 10**6), min_size=1, max_size=3))
def test_pickled_arrays_cannot_outgrow_their_pickle(shape: list[int]) -> None:
    blob = crafted.huge_array_pickle(tuple(shape))
    result = one_line_value_error(lambda: safe_unpickle(blob, "mem"))
    if not isinstance(result, ValueError):
        assert result[b"data"].nbytes <= len(blob)


@FAST
@given(text=st.text(alphabet="0123456789xX -+.,e", max_size=12))
def test_size_text(text: str) -> None:
    result = one_line_value_error(lambda: parse_size(text))
    if isinstance(result, tuple):
        assert len(result) == 2 and min(result) >= 1


@FAST
@given(text=st.text(alphabet="0123456789.,-einfa ", max_size=16))
def test_eps_text(text: str) -> None:
    result = one_line_value_error(lambda: parse_eps(text))
    if isinstance(result, list):
        assert result and all(isinstance(e, float) for e in result)  # range: checked by evaluate_robustness


def test_the_generated_pickles_are_real_pickles() -> None:
    """The crafted pickles are valid for the plain unpickler at a harmless size (so the cases test the cap)."""
    assert pickle.loads(crafted.huge_array_pickle((2, 3)))[b"data"].shape == (2, 3)
    assert pickle.loads(crafted.ndarray_call_pickle((2, 3)))[b"data"].shape == (2, 3)
