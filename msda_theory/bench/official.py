"""A timing baseline with the per-call work of the official HMix/GMix code (batch mode).

The official code (naver-ai/hmix-gmix, built on timm's ``Mixup``; docs/theory.md
section 2 gives its semantics) mixes a batch with its flip, in place, with one
ratio per call drawn from NumPy's global generator, and builds smoothed
one-hot label rows. This module repeats those steps for the benchmarks of
``msda_theory.bench.mix_cost``: it is our own code, written from the semantics, and
is only used to time ``mix`` against a call that does the same work. Per call:

- Mixup:  lam0 ~ Beta; x <- lam0 x + (1 - lam0) flip(x).
- CutMix: a box of side floor(side * sqrt(1 - lam0)) centred uniformly, clipped;
          the box is copied from flip(x); lam = 1 - area / (H W).
- HMix:   the box for area fraction r (1 - lam0), kappa = 1 - area / (H W),
          m = lam0 / kappa; x <- m x + (1 - m) flip(x) outside the box and
          flip(x) inside (from a copy of x); lam = m kappa.
- GMix:   centre uniform, G = exp(-pi |p - c|^2 / (l H H)), l = min(lam0, 1 - lam0);
          x <- G x + (1 - G) flip(x) (or the reverse when lam0 >= 1/2);
          lam = mean(G) (or 1 - mean(G)). Square images only, as in the official code.
- labels: two one-hot rows (filled, then scattered) combined with lam.

``x`` is modified in place, as in the official code; ``mix`` never modifies its input.
"""
from __future__ import annotations

import math

import numpy as np
import torch

FAMILIES = ("mixup", "cutmix", "hmix", "gmix")


def _one_hot(y: torch.Tensor, k: int, on: float, off: float) -> torch.Tensor:
    return torch.full((y.shape[0], k), off, device=y.device).scatter_(1, y.long().view(-1, 1), on)


def _box(h: int, w: int, side_factor: float) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of a box of sides floor(h f), floor(w f), centre uniform, clipped."""
    cut_h, cut_w = int(h * side_factor), int(w * side_factor)
    cy, cx = np.random.randint(0, h), np.random.randint(0, w)
    return (int(np.clip(cy - cut_h // 2, 0, h)), int(np.clip(cy + cut_h // 2, 0, h)),
            int(np.clip(cx - cut_w // 2, 0, w)), int(np.clip(cx + cut_w // 2, 0, w)))


def _gaussian(side: int, ell: float) -> torch.Tensor:
    cy, cx = np.random.randint(0, side), np.random.randint(0, side)
    rows = torch.arange(side).repeat(side, 1)
    squared = torch.stack([rows - cx, rows.t() - cy], dim=-1) ** 2.0
    return torch.exp(-squared.sum(-1) * math.pi / (ell * side * side))


def official_style_mix(x: torch.Tensor, y: torch.Tensor, family: str, num_classes: int, *, alpha: float = 1.0,
                       r: float = 0.5, label_smoothing: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix x (B, C, H, W) in place with its flip, one draw per call; returns (x, label rows (B, K))."""
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    h, w = x.shape[-2:]
    lam = float(np.random.beta(alpha, alpha))
    if family == "mixup":
        partner = x.flip(0).mul_(1.0 - lam)
        x.mul_(lam).add_(partner)
    elif family == "cutmix":
        top, bottom, left, right = _box(h, w, math.sqrt(1.0 - lam))
        x[:, :, top:bottom, left:right] = x.flip(0)[:, :, top:bottom, left:right]
        lam = 1.0 - (bottom - top) * (right - left) / float(h * w)
    elif family == "hmix":
        top, bottom, left, right = _box(h, w, math.sqrt(1.0 - lam) * math.sqrt(r))
        kappa = 1.0 - (bottom - top) * (right - left) / float(h * w)
        outside = lam / kappa
        original = x.clone()
        partner = x.flip(0).mul_(1.0 - outside)
        x.mul_(outside).add_(partner)
        x[:, :, top:bottom, left:right] = original.flip(0)[:, :, top:bottom, left:right]
        lam = outside * kappa
    else:
        if h != w:
            raise ValueError(f"the official GMix supports square images only, got {h}x{w}")
        small = lam < 0.5
        g = _gaussian(h, lam if small else 1.0 - lam).to(x.device)
        shown = float(g.sum() / (h * w))
        keep, swap = (g, 1.0 - g) if small else (1.0 - g, g)
        partner = x.flip(0).mul_(swap)
        x.mul_(keep).add_(partner)
        lam = shown if small else 1.0 - shown
    off = label_smoothing / num_classes
    on = 1.0 - label_smoothing + off
    rows = _one_hot(y, num_classes, on, off) * lam + _one_hot(y.flip(0), num_classes, on, off) * (1.0 - lam)
    return x, rows
