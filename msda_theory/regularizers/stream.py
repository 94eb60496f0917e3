"""The direct terms of ``decompose`` streamed over anchors x draws within a memory budget (issue 13).

Peak memory is set by the evaluation batch, the E = (draws x anchors) images
evaluated in one call, not by n or the number of draws: each chunk of
anchors is drawn, evaluated and reduced to per-anchor statistics before the
next one starts. Per anchor i and quantity v over its U units (draws) only

    mean_i = sum_u v_u / U,   var_i = sum_u (v_u - mean_i)^2 / (U - 1)

are kept (O(n) floats), which is all ``mean_and_se`` needs:
estimate = mean_i mean_i, SE = sqrt(sum_i var_i / U) / n.

E is the largest number that fits the budget under the estimate
bytes(E) = E * STREAMS * a, with a the bytes autograd saves for one image's
forward pass (measured once, as the difference between two and one image, so
that shared weights do not count). The forward-over-forward derivative keeps a
primal and three tangent streams per layer alive, plus temporaries;
STREAMS = 12 covers that with margin (peak RSS measured in the benchmark).

``chunk_values`` is the one anchor x draw chunk loop: ``streamed_terms`` reduces
each chunk to per-anchor statistics, ``decompose.sampled_terms`` (for
``taylor``) keeps the unit values whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

import torch
from torch import Tensor
from tqdm.auto import tqdm

from msda_theory.finite import check_model_output
from msda_theory.regularizers.derivatives import anchor_terms
from msda_theory.regularizers.direct import draw, unit_values
from msda_theory.regularizers.losses import GLMLoss

DEFAULT_BUDGET = 2 * 2**30  # bytes
STREAMS = 12
KEYS = ("loss", "first", "second_gn", "second_h", "remainder")


def saved_bytes(f: Callable[[Tensor], Tensor], x: Tensor) -> int:
    """Bytes autograd saves for backward during one forward pass of f on x (its activation memory)."""
    total = 0

    def pack(t: Tensor) -> Tensor:
        nonlocal total
        total += t.numel() * t.element_size()
        return t

    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        f(x.detach().clone().requires_grad_(True))
    return total


def evaluations_per_call(f: Callable[[Tensor], Tensor], x: Tensor, memory_budget: int, cap: int) -> int:
    """E = budget / (STREAMS * a + image bytes), a = saved_bytes(2 images) - saved_bytes(1 image); at most cap."""
    per_image = max(saved_bytes(f, x[:1].expand(2, *x.shape[1:])) - saved_bytes(f, x[:1]), 0)
    image = x[0].numel() * x.element_size()
    return max(1, min(cap, memory_budget // (STREAMS * per_image + 4 * image)))


@dataclass(frozen=True)
class AnchorStats:
    """Per-anchor mean (n,) and sample variance (n,) of a quantity over ``units`` draws each."""

    mean: Tensor
    var: Tensor
    units: int

    def summary(self, *, exact: bool) -> tuple[float, float, Tensor]:
        """(mean over anchors, its SE, per-anchor means): SE = sqrt(sum_i var_i / U) / n; 0 when exact."""
        n = self.mean.shape[0]
        estimate = float(self.mean.mean())
        if exact:
            return estimate, 0.0, self.mean
        if self.units < 2:
            return estimate, float("nan"), self.mean
        return estimate, float(self.var.sum().div(self.units).sqrt() / n), self.mean


def evaluations_per_image(sampler: Any, n_masks: int | str, partners: str, m: int) -> int:
    """U: the images evaluated per anchor (draws, times 2 orientations when enumerated, times m partners for 'all')."""
    units = sampler.masks.shape[0] * 2 if n_masks == "all" else int(n_masks)
    return units * (m if partners == "all" else 1)


def chunk_values(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, reference: Tensor,
                 sampler: Any, *, n_masks: int | str, partners: str, derivatives: bool, evaluations: int,
                 generator: torch.Generator | None,
                 scales: tuple[float, ...] = (1.0,)) -> Iterator[tuple[Tensor, Tensor, Tensor, dict[str, Tensor]]]:
    """The anchor x draw chunk loop: per chunk of anchors x[a:b] (B of them), (y[a:b], z (B, K), e (B, K),
    ``unit_values`` of its draws: 'loss' (T, U, B) and, with ``derivatives``, 'first', 'second_gn', 'second_h'
    (U, B)). At most ``evaluations`` images per call; the draws come from ``generator`` chunk by chunk."""
    chunk = max(1, evaluations // max(1, evaluations_per_image(sampler, n_masks, partners, reference.shape[0])))
    for start in range(0, x.shape[0], chunk):
        # A copy, not a view: forward-mode AD gives a tangent the primal's layout, and a view's
        # storage offset into a large data set made each tangent allocate up to that offset (7 GB seen).
        xs, ys = x[start:start + chunk].clone(), y[start:start + chunk]
        z, e, _ = anchor_terms(f, loss, xs, ys)
        check_model_output(z, start=None if chunk >= x.shape[0] else start)  # the clean pass: (B, K), cheap
        draws = draw(sampler, xs.shape[0], tuple(x.shape[-2:]), reference.shape[0], n_masks=n_masks,
                     partners=partners, generator=generator, dtype=x.dtype, device=x.device)
        yield ys, z, e, unit_values(f, loss, xs, ys, z, e, reference, draws, scales=scales,
                                    derivatives=derivatives, batch_size=evaluations)


def streamed_terms(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, reference: Tensor,
                   sampler: Any, *, n_masks: int | str, partners: str, derivatives: bool, evaluations: int,
                   generator: torch.Generator | None,
                   progress: bool | None = False) -> tuple[dict[str, AnchorStats], Tensor]:
    """Per-anchor statistics of the unit values ('loss' and, with ``derivatives``, 'first', 'second_gn',
    'second_h', 'remainder' = loss - l_std - first - second_gn - second_h), and l_std per anchor (n,).
    ``progress``: a tqdm bar over the anchors, advanced chunk by chunk (None: only on a terminal)."""
    units = sampler.masks.shape[0] if n_masks == "all" else n_masks
    parts: dict[str, list[tuple[Tensor, Tensor]]] = {}
    l_std = []
    bar = tqdm(total=x.shape[0], unit="img", desc="decompose (draws)" if derivatives else "decompose (L_msda draws)",
               leave=False, disable=None if progress is None else not progress)
    for ys, z, _, values in chunk_values(f, loss, x, y, reference, sampler, n_masks=n_masks, partners=partners,
                                         derivatives=derivatives, evaluations=evaluations, generator=generator):
        l_std.append(loss.value(z, ys))
        values["loss"] = values["loss"][0]
        if derivatives:
            values["remainder"] = values["loss"] - l_std[-1] - values["first"] - values["second_gn"] - values["second_h"]
        for key, v in values.items():  # (U, B) -> per-anchor mean and variance, then dropped
            parts.setdefault(key, []).append((v.mean(0), v.var(0) if v.shape[0] > 1 else torch.zeros_like(v[0])))
        bar.update(ys.shape[0])
    bar.close()
    stats = {k: AnchorStats(torch.cat([m for m, _ in p]), torch.cat([s for _, s in p]), units) for k, p in parts.items()}
    return stats, torch.cat(l_std)
