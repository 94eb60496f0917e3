"""Mask laws built from other mask laws: a random choice among them, and mixing applied with a probability.

Docs: theory section 2. Both are ordinary mask laws (they only draw masks), so
mixing, pixel weights and the decomposition take them unchanged. Their pixel
weights are mixtures too: a_p and a_pq are linear in the mask law, so

    RandomChoice(laws, p):  a = Σ_k p_k a^(k),   A = Σ_k p_k A^(k)
    Apply(law, prob):       a = prob · a^(law),  A = prob · A^(law)

(the skipped case M = 1 shows the first image only, λ = 1, and adds nothing).

These are the conventions of timm (``prob``, ``switch_prob``) and torchvision
v2 (``RandomChoice([MixUp(), CutMix()], p=...)``): in ``mix``'s batch mode one
law is chosen per batch, in elem mode one per image.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

from msda_theory.masks._base import MaskSampler, Size, check_count, check_size, draw_uniform, generator_device


def _check_law(law: object) -> MaskSampler:
    if not callable(getattr(law, "sample", None)):
        raise ValueError(f"a mask law needs a sample(n, size, *, generator, device, dtype) method, got {law!r}")
    return law  # type: ignore[return-value]


@dataclass(frozen=True)
class RandomChoice:
    """Each mask comes from ``laws[k]`` with probability ``p[k]`` (uniform when ``p`` is None)."""

    laws: tuple[MaskSampler, ...]
    p: tuple[float, ...] | None = None
    name = "choice"

    def __post_init__(self) -> None:
        laws = tuple(_check_law(law) for law in self.laws)
        if not laws:
            raise ValueError("RandomChoice needs at least one mask law")
        p = (1.0 / len(laws),) * len(laws) if self.p is None else tuple(float(v) for v in self.p)
        if len(p) != len(laws):
            raise ValueError(f"RandomChoice got {len(laws)} laws but {len(p)} probabilities")
        if any(not math.isfinite(v) or v < 0 for v in p) or not math.isclose(sum(p), 1.0, abs_tol=1e-9):
            raise ValueError(f"RandomChoice probabilities must be >= 0 and sum to 1, got {p}")
        object.__setattr__(self, "laws", laws)
        object.__setattr__(self, "p", p)

    def sample(self, n: int, size: Size, *, generator: torch.Generator | None = None,
               device: torch.device | str | None = None,
               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """n masks (n, H, W): law k ~ Categorical(p) per mask, then that law's draw; lam = mean(mask) (n,)."""
        n, (h, w) = check_count(n), check_size(size)
        probs = torch.tensor(self.p, dtype=torch.float64, device=generator_device(generator))
        which = (torch.multinomial(probs, n, replacement=True, generator=generator).cpu() if n
                 else torch.zeros(0, dtype=torch.long))
        mask = torch.empty(n, h, w, device=device, dtype=dtype)
        for k, law in enumerate(self.laws):
            rows = (which == k).nonzero().flatten()
            if len(rows):
                part, _ = law.sample(len(rows), (h, w), generator=generator, device=device, dtype=dtype)
                mask[rows.to(mask.device)] = part
        return mask, mask.mean((-2, -1))


@dataclass(frozen=True)
class Apply:
    """With probability ``prob`` the mask comes from ``law``; otherwise M = 1 (no mixing, λ = 1)."""

    law: MaskSampler
    prob: float = 1.0
    name = "apply"

    def __post_init__(self) -> None:
        _check_law(self.law)
        if not isinstance(self.prob, (int, float)) or not 0.0 <= float(self.prob) <= 1.0:
            raise ValueError(f"prob must be a number in [0, 1], got {self.prob!r}")
        object.__setattr__(self, "prob", float(self.prob))

    def sample(self, n: int, size: Size, *, generator: torch.Generator | None = None,
               device: torch.device | str | None = None,
               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        """n masks (n, H, W): the law's draw where u < prob (u ~ U[0, 1) per mask), else ones."""
        n, size = check_count(n), check_size(size)
        applied = (draw_uniform(n, generator=generator) < self.prob).nonzero().flatten()
        mask = torch.ones(n, *size, device=device, dtype=dtype)
        if len(applied):
            part, _ = self.law.sample(len(applied), size, generator=generator, device=device, dtype=dtype)
            mask[applied.to(mask.device)] = part
        return mask, mask.mean((-2, -1))


def choose(laws: Sequence[MaskSampler], p: Sequence[float] | None = None, *, prob: float = 1.0) -> MaskSampler:
    """timm-style switch: ``RandomChoice(laws, p)``, applied with probability ``prob``."""
    law: MaskSampler = RandomChoice(tuple(laws), None if p is None else tuple(p))
    return law if prob == 1.0 else Apply(law, prob)
