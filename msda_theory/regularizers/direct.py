"""Draws of (mask, partner) per image and the quantities averaged over them (docs/theory.md sections 3-4).

For anchor x_i a draw is a mask M~ ~ D~ and a partner r ~ D_X; the
perturbation is delta = (1 - M~) * (r - x_i) (mask broadcast over channels).
The direct estimator averages over draws

    l(x_i + t delta, y_i)                       (the MSDA loss, at scales t),
    e_i . J_i delta                             (R1),
    (J_i delta)^T h''(z_i) (J_i delta) / 2      (R2),
    sum_c e_ic delta^T H_ic delta / 2           (R3),

with e_i = h'(z_i) - y_i. M~ ~ D~ is drawn as M ~ D_M kept with probability
lam(M), else 1 - M. A finite law can instead be enumerated exactly
(``n_masks="all"`` on a ``MaskSet``: both orientations, weights lam and
1 - lam) and so can the partners (``partners="all"``: every reference image,
weight 1/m). A draw ("unit") is one mask with its orientations and partners;
estimates are means over units and their standard errors come from the spread
of the units within each image.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import Tensor

from msda_theory.finite import check_finite
from msda_theory.masks._base import MaskSampler
from msda_theory.regularizers.derivatives import directional_derivatives
from msda_theory.regularizers.losses import GLMLoss

PARTNER_MODES = ("sample", "all")


@dataclass(frozen=True)
class Draws:
    """Draws for B anchors: coefficients (U, G_o, 1 or B, H, W), partners (U, 1, G_p, B), weights (U, G_o, G_p, B)."""

    coeff: Tensor
    partner: Tensor
    weight: Tensor

    @property
    def units(self) -> int:
        return self.coeff.shape[0]

    def deltas(self, x: Tensor, reference: Tensor, units: slice) -> Tensor:
        """delta = c * (r - x_i) for the units ``units``: (S, B, C, H, W), S = units * G_o * G_p."""
        c = self.coeff[units][:, :, None, :, None]  # (u, G_o, 1, B|1, 1, H, W)
        r = reference[self.partner[units]]  # (u, 1, G_p, B, C, H, W)
        delta = c * (r - x)
        return delta.reshape(-1, *x.shape)


def draw(sampler: MaskSampler, b: int, size: tuple[int, int], m: int, *, n_masks: int | str, partners: str,
         generator: torch.Generator | None, dtype: torch.dtype, device: torch.device) -> Draws:
    """The draws for b anchors: n_masks units each (or the whole mask set), one or all partners per unit."""
    if n_masks == "all":
        masks = sampler.masks.to(device=device, dtype=dtype)  # (U, H, W)
        lam = masks.mean((-2, -1))
        coeff = torch.stack([1.0 - masks, masks], 1)[:, :, None]  # (U, 2, 1, H, W)
        weight = torch.stack([lam, 1.0 - lam], 1)[:, :, None, None]  # (U, 2, 1, 1)
        units = masks.shape[0]
    else:
        units = n_masks
        masks, lam = sampler.sample(units * b, size, generator=generator, device=device, dtype=dtype)
        check_finite(masks, "the sampler's output")
        keep = torch.rand(units * b, generator=generator, dtype=torch.float64).to(device) < lam.to(torch.float64)
        tilde = torch.where(keep[:, None, None], masks, 1.0 - masks)  # M~ ~ D~
        coeff = (1.0 - tilde).reshape(units, 1, b, *size)
        weight = torch.ones(units, 1, 1, 1, dtype=dtype, device=device)
    if partners == "all":
        partner = torch.arange(m, device=device)[None, None, :, None].expand(units, 1, m, b)
        weight = weight / m
    else:
        partner = torch.randint(m, (units, 1, 1, b), generator=generator).to(device)
    g_o, g_p = coeff.shape[1], partner.shape[2]
    return Draws(coeff, partner, weight.expand(units, g_o, g_p, b))


def unit_values(f: Callable[[Tensor], Tensor], loss: GLMLoss, x: Tensor, y: Tensor, z: Tensor, e: Tensor,
                reference: Tensor, draws: Draws, *, scales: Sequence[float] = (1.0,), derivatives: bool = True,
                batch_size: int = 1024) -> dict[str, Tensor]:
    """Per-unit averages for anchors x (B, ...): 'loss' (T, U, B) at each scale, and when ``derivatives``
    'first', 'second_gn' (R2 integrand) and 'second_h' (R3 integrand), each (U, B)."""
    b, g = x.shape[0], draws.weight.shape[1] * draws.weight.shape[2]
    step = max(1, batch_size // (b * g))
    out: dict[str, list[Tensor]] = {"loss": [], "first": [], "second_gn": [], "second_h": []}
    for start in range(0, draws.units, step):
        units = slice(start, min(start + step, draws.units))
        delta = draws.deltas(x, reference, units)  # (S, B, C, H, W)
        w = draws.weight[units].reshape(-1, g, b)  # (u, G, B)

        def per_unit(values: Tensor) -> Tensor:  # (S, B) -> (u, B): weighted sum over the unit's evaluations
            return (values.reshape(-1, g, b) * w).sum(1)

        losses = [loss.value(f((x + t * delta).reshape(-1, *x.shape[1:])).reshape(delta.shape[0], b, -1), y)
                  for t in scales]
        out["loss"].append(torch.stack([per_unit(v) for v in losses]))
        if derivatives:
            j1, j2 = directional_derivatives(f, x, delta)  # (S, B, K) each
            out["first"].append(per_unit((e * j1).sum(-1)))
            out["second_gn"].append(per_unit(0.5 * loss.quadratic(z, j1)))
            out["second_h"].append(per_unit(0.5 * (e * j2).sum(-1)))
    return {k: torch.cat(v, dim=-2) for k, v in out.items() if v}


def mean_and_se(values: Tensor, *, exact: bool) -> tuple[float, float, Tensor]:
    """(mean over anchors of the unit means, its SE, per-anchor means (n,)) for values (U, n).

    The anchors are the whole data set, so only the draws are random:
    SE = sqrt(sum_i s_i^2 / U) / n with s_i^2 the sample variance of image i's units.
    """
    units, n = values.shape
    per_anchor = values.mean(0)
    if exact:
        return float(per_anchor.mean()), 0.0, per_anchor
    if units < 2:
        return float(per_anchor.mean()), float("nan"), per_anchor
    se = float(values.var(0).sum().div(units).sqrt() / n)
    return float(per_anchor.mean()), se, per_anchor
