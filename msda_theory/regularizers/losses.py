"""Losses generalized-linear in the label: l(x, y) = h(f(x)) - y . f(x) (docs/theory.md section 1).

Every loss here is written through its log-partition h and the derivatives the
decomposition needs, row by row over a batch of outputs z (B, K):

    ce  (softmax cross-entropy): h = logsumexp,  h' = p = softmax(z),  h'' = diag(p) - p p^T
    bce (binary logistic):       h = sum_k softplus(z_k),  h' = sigmoid(z),  h'' = diag(s (1 - s))
    mse (squared):               h = |z|^2 / 2,  h' = z,  h'' = I   (l = |z - y|^2 / 2 - |y|^2 / 2)

Because l is linear in y, a mixed label y~ = lam y_i + (1 - lam) y_j gives
l(x, y~) = lam l(x, y_i) + (1 - lam) l(x, y_j): the rewrite of section 3.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.nn import functional as F

LOSSES = ("ce", "bce", "mse")


@dataclass(frozen=True)
class GLMLoss:
    """One loss family l(z, y) = h(z) - y . z on outputs z (B, K) and label rows y (B, K)."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in LOSSES:
            raise ValueError(f"loss must be one of {LOSSES}, got {self.name!r}")

    def h(self, z: Tensor) -> Tensor:
        """h(z) per row: (B, K) -> (B,)."""
        if self.name == "ce":
            return torch.logsumexp(z, dim=-1)
        if self.name == "bce":
            return F.softplus(z).sum(-1)
        return 0.5 * (z * z).sum(-1)

    def value(self, z: Tensor, y: Tensor) -> Tensor:
        """l = h(z) - y . z per row: (B, K), (B, K) -> (B,)."""
        return self.h(z) - (y * z).sum(-1)

    def h_prime(self, z: Tensor) -> Tensor:
        """h'(z): (B, K) -> (B, K) (softmax, sigmoid or identity)."""
        if self.name == "ce":
            return torch.softmax(z, dim=-1)
        if self.name == "bce":
            return torch.sigmoid(z)
        return z

    def hessian_times(self, z: Tensor, v: Tensor) -> Tensor:
        """h''(z) v for z (B, K) and v (B, K, ...) (any trailing dims): same shape as v."""
        extra = (None,) * (v.ndim - 2)
        if self.name == "ce":
            p = torch.softmax(z, dim=-1)[(...,) + extra]  # (B, K, 1, ...)
            return p * v - p * (p * v).sum(1, keepdim=True)
        if self.name == "bce":
            s = torch.sigmoid(z)
            return (s * (1.0 - s))[(...,) + extra] * v
        return v.clone()

    def quadratic(self, z: Tensor, v: Tensor) -> Tensor:
        """v^T h''(z) v per row: z (B, K), v (..., B, K) -> (..., B)."""
        if self.name == "ce":
            p = torch.softmax(z, dim=-1)
            return (p * v * v).sum(-1) - (p * v).sum(-1) ** 2
        if self.name == "bce":
            s = torch.sigmoid(z)
            return (s * (1.0 - s) * v * v).sum(-1)
        return (v * v).sum(-1)

    def hessian(self, z: Tensor) -> Tensor:
        """h''(z) as matrices (B, K, K)."""
        eye = torch.eye(z.shape[-1], dtype=z.dtype, device=z.device).expand(z.shape[0], -1, -1)
        return self.hessian_times(z, eye.contiguous())


def get_loss(name: str) -> GLMLoss:
    """The loss family called ``name`` ('ce', 'bce' or 'mse')."""
    return GLMLoss(str(name).lower())


def output_rows(out: Tensor, loss: GLMLoss) -> Tensor:
    """Model outputs as rows (B, K): (B,) becomes (B, 1); bce needs exactly one logit."""
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2:
        raise ValueError(f"the model must return outputs (B,) or (B, K), got shape {tuple(out.shape)}")
    if loss.name == "bce" and out.shape[1] != 1:
        raise ValueError(f"loss 'bce' needs one logit per image ((B,) or (B, 1)), the model returns {out.shape[1]}")
    if loss.name == "ce" and out.shape[1] < 2:
        raise ValueError("loss 'ce' needs at least two logits per image; use 'bce' for one logit")
    return out


def label_rows(y: Tensor, k: int, loss: GLMLoss, dtype: torch.dtype) -> Tensor:
    """Labels as rows (B, K) in ``dtype``.

    ce: class indices (B,) or probability rows (B, K); bce: targets in [0, 1] as (B,) or (B, 1);
    mse: targets (B,) when K = 1, class indices (B,) (one-hot) or rows (B, K).
    """
    if y.ndim == 2 and y.shape[1] == k:
        return y.to(dtype)
    if y.ndim == 1 and k == 1:
        if loss.name == "bce" and y.numel() and (y.min() < 0 or y.max() > 1):
            raise ValueError("bce targets must lie in [0, 1]")
        return y.to(dtype)[:, None]
    if y.ndim == 1 and not y.is_floating_point() and loss.name in ("ce", "mse"):
        if y.numel() and (y.min() < 0 or y.max() >= k):
            raise ValueError(f"class indices must lie in [0, {k}), got range [{int(y.min())}, {int(y.max())}]")
        return F.one_hot(y.long(), k).to(dtype)
    raise ValueError(f"labels of shape {tuple(y.shape)} and dtype {y.dtype} do not fit {k} output(s) for loss {loss.name!r}")
