"""Label rows for mixing: probability rows (B, K) from class indices or given rows, smoothing, and the checks.

``mix`` (docs/theory.md section 2) mixes these rows with the images' ratio, y~ = lam y + (1 - lam) y[j];
this module builds and checks them, and refuses tensors holding NaN or +-inf with their count.
"""
from __future__ import annotations

import torch

from msda_theory.finite import all_finite


def refuse_non_finite(t: torch.Tensor, name: str) -> None:
    """Raise ValueError('<name> holds N non-finite values') if any entry of t is NaN or +-inf.

    One reduction when all are finite (``finite.all_finite``); only then are the non-finite entries counted
    (an overflowing sum of finite values passes). The short message suits mix's hot path; ``finite.check_finite``
    also names the first index.
    """
    if not t.is_floating_point() or all_finite(t):
        return
    bad = int(t.numel() - int(torch.isfinite(t).sum()))
    if bad:
        raise ValueError(f"{name} holds {bad} non-finite values")


def one_hot_rows(y: torch.Tensor, num_classes: int | None, label_smoothing: float = 0.0, *,
                 dtype: torch.dtype | None = None, device: torch.device | str | None = None) -> torch.Tensor:
    """(1 - eps) onehot(y) + eps / K, rows (B, K) for class indices y (B,): one fill and one scatter.

    The scatter itself refuses indices outside [0, K) on the CPU; elsewhere (where an out-of-range
    scatter is a device-side assertion) the range is checked first.
    """
    if type(num_classes) is not int or num_classes < 1 or not 0.0 <= label_smoothing < 1.0:  # noqa: E721
        _check_one_hot_args(num_classes, label_smoothing)  # the common case skips the three checks below
    off = label_smoothing / num_classes
    rows = torch.full((y.shape[0], num_classes), off, dtype=dtype or torch.get_default_dtype(), device=device)
    index = y.view(-1, 1)
    if index.dtype != torch.int64 or (not (index.is_cpu and rows.is_cpu) and index.device != rows.device):
        index = index.to(device=rows.device, dtype=torch.int64)
    if not rows.is_cpu:
        _check_indices(index, num_classes)
    try:
        return rows.scatter_(1, index, 1.0 - label_smoothing + off)
    except RuntimeError:  # an index out of bounds: say which range the labels span
        _check_indices(index, num_classes)
        raise


def _check_one_hot_args(num_classes: int | None, label_smoothing: float) -> None:
    """Raise ValueError unless num_classes is a positive int and label_smoothing lies in [0, 1)."""
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    if num_classes is None:
        raise ValueError("num_classes is required when labels are class indices")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")


def _check_indices(index: torch.Tensor, num_classes: int) -> None:
    """Raise ValueError unless every class index lies in [0, num_classes)."""
    if not index.numel():
        return
    low, high = (int(v) for v in torch.aminmax(index))  # one fused pass
    if low < 0 or high >= num_classes:
        raise ValueError(f"class indices must lie in [0, {num_classes}), got range [{low}, {high}]")


def soft_labels(y: torch.Tensor, num_classes: int | None, label_smoothing: float = 0.0, *,
                multi_label: bool = False) -> torch.Tensor:
    """Probability rows (B, K) from class indices (B,) or rows (B, K), then smoothing.

    Smoothing: y <- (1 - eps) y + eps / K (each row still sums to 1). Rows given must be finite,
    non-negative and sum to 1, or, with ``multi_label`` (BCE targets), lie in [0, 1] entrywise.
    """
    if not 0.0 <= label_smoothing < 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    if y.ndim == 1 and not y.is_floating_point():
        return one_hot_rows(y, num_classes, label_smoothing)
    if y.ndim == 2 and y.is_floating_point():
        if num_classes is not None and y.shape[1] != num_classes:
            raise ValueError(f"label rows have {y.shape[1]} columns but num_classes is {num_classes}")
        refuse_non_finite(y, "y")
        _check_rows(y, multi_label)
        rows = y
    else:
        raise ValueError(f"labels must be class indices (B,) or probability rows (B, K), got shape {tuple(y.shape)} and dtype {y.dtype}")
    if label_smoothing == 0.0:
        return rows.clone()  # the caller's rows are never handed back to be written into
    return rows * (1.0 - label_smoothing) + label_smoothing / rows.shape[1]


def _check_rows(y: torch.Tensor, multi_label: bool) -> None:
    """Rows (B, K): entries in [0, 1] (multi-label), or non-negative rows summing to 1."""
    if not y.numel():
        return
    if multi_label:
        if (y < 0).any() or (y > 1).any() or y.isnan().any():
            raise ValueError("multi-label rows must lie in [0, 1] entrywise")
    elif (y < 0).any() or not torch.allclose(y.sum(1), torch.ones_like(y[:, 0]), atol=1e-4):
        raise ValueError("label rows must be non-negative and sum to 1 (multi_label=True for BCE targets "
                         "that need not)")
