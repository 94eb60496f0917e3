"""check_finite and check_model_output against numpy's isfinite, including sums that overflow."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from msda_theory.finite import all_finite, check_finite, check_model_output

VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                   st.sampled_from([3e38, -3e38, np.nan, np.inf, -np.inf]))


@given(arrays(np.float32, st.tuples(st.integers(1, 4), st.integers(1, 5), st.integers(1, 5)), elements=VALUES))
def test_check_finite_agrees_with_numpy(values: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    tensor = torch.from_numpy(values)
    if not bad.any():
        assert check_finite(tensor, "x") is tensor  # also where the float32 sum overflows to inf
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    s = "s" if bad.sum() > 1 else ""
    message = f"x holds {bad.sum()} non-finite value{s} (NaN or inf); first at index {first}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_finite(tensor, "x")


def test_finite_values_whose_sum_overflows_pass() -> None:
    values = torch.full((1000,), 3e38)
    assert not torch.isfinite(values.sum()) and check_finite(values, "x") is values
    assert check_model_output(values.reshape(10, 100)) is not None


def test_integer_tensors_pass_unchecked() -> None:
    labels = torch.arange(5)
    assert check_finite(labels, "y") is labels


@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 3)), elements=VALUES),
       st.one_of(st.none(), st.integers(0, 100)))
def test_check_model_output_counts_inputs_like_numpy(output: np.ndarray, start: int | None) -> None:
    rows = ~np.isfinite(output).all(1)
    if not rows.any():
        check_model_output(torch.from_numpy(output), start=start)
        return
    kinds = [k for k, f in (("NaN", np.isnan), ("inf", np.isinf)) if f(output).any()]
    offset = start or 0
    span = f"x[{offset}:{offset + len(output)}]"
    inputs = f"{len(output)} inputs" if start is None else f"the {len(output)} inputs {span}"
    message = (f"the model's output holds {' and '.join(kinds)} for {rows.sum()} of {inputs} "
               f"(first: x[{offset + int(np.argmax(rows))}])")
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_model_output(torch.from_numpy(output), start=start)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64])
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), None])
def test_all_finite_reads_the_sum_as_a_python_number(dtype: torch.dtype, bad: float | None) -> None:
    # all_finite tests values.sum() with math.isfinite (cmath.isfinite for complex sums); half precision is
    # summed in float32, so 4000 values of 60000 (a float16 sum of inf) still pass
    half = dtype in (torch.float16, torch.bfloat16)
    values = torch.full((4000,), 60000.0).to(dtype) if half else torch.ones(4000, dtype=dtype)
    if bad is not None:
        values[123] = bad
    assert all_finite(values) is (bad is None)
    if dtype.is_complex and bad is None:
        values[7] = complex(1.0, float("inf"))  # a non-finite imaginary part alone
        assert all_finite(values) is False
