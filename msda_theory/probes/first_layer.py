"""The first-layer form of R2 and the spatial-frequency energy of first-layer filters.

docs/theory.md section 7: with f(x) = g(W x + b), R2 = (1/2n) Σ_i tr(W (A ⊙ C_i) Wᵀ K_i),
so MSDA penalizes the first layer W in the norm induced by A ⊙ C. The probe
measures, for a trained W and any strategy's pixel-pair weights A,

    penalty(W, A, Σ) = tr(W (A ⊙ Σ) Wᵀ) = Σ_{p,q} (A ⊙ Σ)[p, q] · (WᵀW)[p, q],

with A (H·W, H·W) broadcast over channel pairs (the mask is shared by channels),
and the radial spatial-frequency energy of the filters.

Prediction (written before measuring; see ``msda_theory.probes.robustness``):
Mixup's A is a constant, so A ⊙ Σ = c Σ penalizes W most on the data's principal
directions (low spatial frequencies); CutMix keeps only nearby-pixel covariance,
closer to plain weight decay. Hence Mixup-trained filters should carry less
low-frequency energy relative to vanilla than CutMix-trained ones, and a model
trained with strategy s should have the smallest penalty under its own A_s.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from msda_theory.regularizers.data_moments import data_moments
from msda_theory.regularizers.first_layer_form import first_layer_matrix  # noqa: F401  (re-exported)

Shape = tuple[int, int, int]


def _check_layer(layer: nn.Module) -> None:
    if not isinstance(layer, (nn.Linear, nn.Conv2d)):
        raise ValueError(f"first layer must be nn.Linear or nn.Conv2d, got {type(layer).__name__}")


def _linear_part(layer: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """W x without the bias, for images x (B, C, H, W) → (B, out)."""
    if isinstance(layer, nn.Linear):
        return nn.functional.linear(x.flatten(1), layer.weight.to(x.dtype))
    out = nn.functional.conv2d(x, layer.weight.to(x.dtype), None, layer.stride, layer.padding, layer.dilation, layer.groups)
    return out.flatten(1)


def first_layer_gram(layer: nn.Module, in_shape: Shape, dtype: torch.dtype = torch.float64, chunk: int = 1024) -> torch.Tensor:
    """WᵀW (d, d) without forming W: column q is Wᵀ(W e_q), a vector-Jacobian product."""
    _check_layer(layer)
    d = in_shape[0] * in_shape[1] * in_shape[2]
    cols = []
    for start in range(0, d, chunk):
        stop = min(d, start + chunk)
        basis = torch.zeros(stop - start, d, dtype=dtype)
        basis[torch.arange(stop - start), torch.arange(start, stop)] = 1.0
        basis = basis.reshape(-1, *in_shape).requires_grad_(True)
        out = _linear_part(layer, basis)  # (chunk, out) = (W e_q)ᵀ
        (back,) = torch.autograd.grad(out, basis, grad_outputs=out.detach())  # Wᵀ W e_q per row
        cols.append(back.reshape(stop - start, d))
    return torch.cat(cols).T.contiguous()  # symmetric; transpose for clarity


def channel_broadcast(a_pq: torch.Tensor, channels: int) -> torch.Tensor:
    """A over (C·H·W)²: A_full[(c, p), (c', q)] = A[p, q] (the mask is shared by channels)."""
    return a_pq.repeat(channels, channels)


def masked_covariance(a_pq: torch.Tensor, sigma: torch.Tensor, channels: int) -> torch.Tensor:
    """A ⊙ Σ with A (HW, HW) broadcast over channels and Σ (d, d), d = C·H·W."""
    full = channel_broadcast(a_pq.to(sigma.dtype), channels)
    if full.shape != sigma.shape:
        raise ValueError(f"A broadcast to {tuple(full.shape)} does not match Σ {tuple(sigma.shape)}")
    return full * sigma


def first_layer_penalty(gram: torch.Tensor, a_pq: torch.Tensor, sigma: torch.Tensor, channels: int) -> float:
    """tr(W (A ⊙ Σ) Wᵀ) = Σ_{p,q} (A ⊙ Σ)[p, q] (WᵀW)[p, q], given gram = WᵀW (d, d)."""
    return float((masked_covariance(a_pq, sigma, channels) * gram.to(sigma.dtype)).sum())


def data_covariance(x: torch.Tensor, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Σ = (1/n) Σ_j (x_j − μ)(x_j − μ)ᵀ for images x (n, C, H, W) → (d, d) (docs/theory.md section 1)."""
    return data_moments(x.to(dtype)).cov


def filters_of(layer: nn.Module, in_shape: Shape) -> torch.Tensor:
    """The first layer's filters as images (F, H_k, W_k), channels summed in quadrature later.

    Conv: weight (out, C, kh, kw) → (out·C, kh, kw). Linear: weight (out, C·H·W) → (out·C, H, W).
    """
    _check_layer(layer)
    w = layer.weight.detach().to(torch.float64)
    if isinstance(layer, nn.Conv2d):
        return w.reshape(-1, *w.shape[-2:])
    return w.reshape(-1, in_shape[1], in_shape[2])


def radial_spectrum(filters: torch.Tensor, size: int | None = None) -> torch.Tensor:
    """Energy per radial frequency bin: E[k] = Σ_filters Σ_{(u,v): round(√(u²+v²)) = k} |F(u, v)|².

    The filters (F, h, w) are zero-padded to ``size`` × ``size`` (default max(h, w)); u, v are
    signed integer frequencies in cycles per ``size`` pixels, so a cosine of frequency k lands in bin k.

    Returns:
        (K,) energies, K = ⌊√2 · size/2⌋ + 1 bins.
    """
    if filters.ndim != 3:
        raise ValueError(f"filters must have shape (F, h, w), got {tuple(filters.shape)}")
    h, w = filters.shape[-2:]
    n = max(h, w) if size is None else int(size)
    if n < max(h, w):
        raise ValueError(f"size {n} is smaller than the filters ({h}×{w})")
    power = torch.fft.fft2(filters.to(torch.float64), s=(n, n)).abs() ** 2  # (F, n, n)
    freq = torch.fft.fftfreq(n, d=1.0 / n)  # signed integers
    radius = torch.sqrt(freq[:, None] ** 2 + freq[None, :] ** 2).round().long()  # (n, n)
    bins = int(radius.max()) + 1
    return torch.zeros(bins, dtype=torch.float64).index_add_(0, radius.flatten(), power.sum(0).flatten())


def low_frequency_share(spectrum: torch.Tensor, cutoff: int) -> float:
    """Σ_{k ≤ cutoff} E[k] / Σ_k E[k]: the share of filter energy at low spatial frequency."""
    total = float(spectrum.sum())
    return float(spectrum[: cutoff + 1].sum()) / total if total > 0 else float("nan")


def penalty_table(grams: dict[str, torch.Tensor], weights: dict[str, torch.Tensor], sigma: torch.Tensor,
                  channels: int) -> dict[str, dict[str, float]]:
    """table[trained][penalty] = tr(W_trained (A_penalty ⊙ Σ) W_trainedᵀ), every model × every A."""
    return {t: {s: first_layer_penalty(g, a, sigma, channels) for s, a in weights.items()} for t, g in grams.items()}


def relative_to(table: dict[str, dict[str, float]], baseline: str) -> dict[str, dict[str, float]]:
    """ratio[t][s] = table[t][s] / table[baseline][s] (penalty relative to the vanilla model)."""
    if baseline not in table:
        raise ValueError(f"baseline {baseline!r} is not a row of the table")
    return {t: {s: v / table[baseline][s] for s, v in row.items()} for t, row in table.items()}


def row_normalized(ratio: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """ratio[t][s] / mean_s' ratio[t][s']: a model's penalty profile across the A_s, free of W's overall scale."""
    return {t: {s: v * len(row) / sum(row.values()) for s, v in row.items()} for t, row in ratio.items()}


def own_strategy_lowest(ratio: dict[str, dict[str, float]], strategies: Sequence[str]) -> dict[str, bool]:
    """For each penalty column s: is the model trained with s the lowest (relative to vanilla) among ``strategies``?"""
    out = {}
    for s in strategies:
        column = {t: ratio[t][s] for t in strategies if t in ratio}
        out[s] = bool(column) and min(column, key=column.get) == s
    return out


def first_layer_probe(runs: dict[str, list], x_train: torch.Tensor, weights: dict[str, torch.Tensor], *,
                      spectrum_size: int = 8, low_cutoff: int = 1) -> dict[str, object]:
    """Penalty table and filter spectra of trained models (``runs[strategy][seed]`` with ``.model``).

    Args:
        runs: must contain 'none' (vanilla), same seeds for every strategy.
        x_train: the training images (n, C, H, W) for Σ.
        weights: A_s (HW, HW) per MSDA strategy s (the penalty columns).
        spectrum_size: conv filters are zero-padded to this size (linear filters keep the image size).
        low_cutoff: radial bins 0..low_cutoff count as low frequency.

    Returns:
        {"penalty": table[t][s] (mean over seeds), "ratio": mean over seeds of P(W_t, A_s)/P(W_none, A_s),
         "own_lowest": per column s, the share of seeds where model s has the lowest ratio,
         "own_lowest_row_normalized": the same after dividing each model's row by its mean (removes the
         overall scale of W, keeps which A-norm it is small in),
         "spectrum": normalized radial energy per strategy (mean over seeds), "low_share": Σ_{k≤cutoff},
         "low_share_ratio": low_share[t] / low_share['none']}.
    """
    if "none" not in runs:
        raise ValueError("runs must contain the vanilla strategy 'none'")
    in_shape = tuple(int(s) for s in x_train.shape[1:])
    sigma = data_covariance(x_train)
    seeds = len(runs["none"])
    tables = []
    for k in range(seeds):
        grams = {t: first_layer_gram(rs[k].model.first_layer, in_shape) for t, rs in runs.items()}
        tables.append(penalty_table(grams, weights, sigma, in_shape[0]))
    ratios = [relative_to(tab, "none") for tab in tables]
    msda = [s for s in weights if s in runs]
    own = [own_strategy_lowest(r, msda) for r in ratios]
    own_shape = [own_strategy_lowest(row_normalized(r), msda) for r in ratios]
    spectra = {}
    for t, rs in runs.items():
        per_seed = []
        for r in rs:
            filt = filters_of(r.model.first_layer, in_shape)
            spec = radial_spectrum(filt, spectrum_size if filt.shape[-1] < spectrum_size else None)
            per_seed.append(spec / spec.sum())
        spectra[t] = torch.stack(per_seed).mean(0)
    low = {t: low_frequency_share(sp, low_cutoff) for t, sp in spectra.items()}
    def mean(rows: list[dict[str, dict[str, float]]], t: str, s: str) -> float:
        return sum(r[t][s] for r in rows) / len(rows)

    return {
        "penalty": {t: {s: mean(tables, t, s) for s in weights} for t in runs},
        "ratio": {t: {s: mean(ratios, t, s) for s in weights} for t in runs},
        "own_lowest": {s: sum(o[s] for o in own) / seeds for s in msda},
        "own_lowest_row_normalized": {s: sum(o[s] for o in own_shape) / seeds for s in msda},
        "spectrum": {t: sp.tolist() for t, sp in spectra.items()},
        "low_share": low,
        "low_share_ratio": {t: low[t] / low["none"] for t in runs},
        "spectrum_size": spectrum_size, "low_cutoff": low_cutoff,
    }
