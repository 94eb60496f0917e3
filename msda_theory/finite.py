"""Non-finite numbers refused where they enter: images, labels, masks and a model's outputs.

A NaN or inf pixel, label row or mask value, or a model whose output is NaN, makes every term of
``decompose``, every weight and every accuracy under attack NaN or meaningless without an error
(an argmax over NaN logits still picks a class). These checks name the cause instead: how many
values, where the first one is, and which tensor holds them. Each costs one summation pass over the
tensor (a finite sum proves every value finite); ``isfinite`` runs only to name what was found.
"""
from __future__ import annotations

import cmath
import math

import torch
from torch import Tensor


def all_finite(values: Tensor) -> bool:
    """True when the sum of ``values`` is finite, which proves every value finite (NaN and inf never sum to a
    finite number); False also when finite values overflow the sum, so False only sends the caller to isfinite.

    One reduction with no temporary: about 27x faster than ``isfinite(values).all()`` on CPU (60000 x 784 float32:
    19 ms against 514 ms on one thread). Half-precision values are summed in float32 (float16 overflows at 65504).
    The sum is tested as a Python number (``math.isfinite``), not by a second tensor operation: on a tiny batch
    ``torch.isfinite`` on the 0-d sum was most of the check's cost (in one run inside ``mix``, 2x1x4x4: 27 us for
    sum + isfinite + bool against 10 us for sum + item + math.isfinite).
    """
    if values.element_size() < 4 and values.is_floating_point():  # float32 and wider: one test
        return math.isfinite(values.sum(dtype=torch.float32).item())
    total = values.sum().item()
    return cmath.isfinite(total) if isinstance(total, complex) else math.isfinite(total)


def _first_index(bad: Tensor) -> tuple[int, ...]:
    """The index (one int per axis) of the first True entry of a boolean tensor, in C order."""
    flat = int(bad.reshape(-1).to(torch.uint8).argmax())
    index = []
    for size in reversed(bad.shape):
        flat, position = divmod(flat, size)
        index.append(position)
    return tuple(reversed(index))


def check_finite(values: Tensor, name: str, *, start: int | None = None) -> Tensor:
    """Raise ValueError when ``values`` holds NaN or inf, naming how many and the index of the first; return it.

    Args:
        values: any tensor; integer and boolean tensors pass unchecked.
        name: what the message calls it, e.g. ``"x"``.
        start: where ``values`` is one batch of a stream, the index of its first sample in the whole:
            the message then names the batch ``name[start:stop]`` and gives the index in the whole.
    """
    if not (values.is_floating_point() or values.is_complex()) or all_finite(values):
        return values
    bad = ~torch.isfinite(values)
    if not bool(bad.any()):
        return values
    count = int(bad.sum())
    first = _first_index(bad)
    where = ""
    if start is not None:
        first = (first[0] + start, *first[1:])
        where = f" in the batch {name}[{start}:{start + len(values)}]"
    plural = "s" if count != 1 else ""
    raise ValueError(f"{name} holds {count} non-finite value{plural} (NaN or inf){where}; first at index {first}")


def check_model_output(output: Tensor, *, start: int | None = None) -> Tensor:
    """Raise ValueError when the model's output (B, ...) holds NaN or inf for some inputs, naming how many; return it.

    ``start``: the index of the first input in the whole data (the batch of a stream), as in :func:`check_finite`.
    """
    if all_finite(output):
        return output
    rows = output.reshape(output.shape[0], -1)
    bad = ~torch.isfinite(rows).all(1)  # (B,): an input whose output has any NaN or inf entry
    if not bool(bad.any()):
        return output
    nan, inf = bool(torch.isnan(rows).any()), bool(torch.isinf(rows).any())
    kind = "NaN and inf" if nan and inf else ("NaN" if nan else "inf")
    inputs = f"{len(rows)} inputs" if start is None else f"the {len(rows)} inputs x[{start}:{start + len(rows)}]"
    first = (start or 0) + int(bad.to(torch.uint8).argmax())
    raise ValueError(f"the model's output holds {kind} for {int(bad.sum())} of {inputs} (first: x[{first}])")


__all__ = ["all_finite", "check_finite", "check_model_output"]
