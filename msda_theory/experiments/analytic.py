"""The analytic experiments: every computation behind the ledger's rows 1–4, 6 and 8 and the weight figures.

Each function is an experiment unit ``run_*(config, seed) -> dict`` of plain JSON data, stored by
``msda_theory.results``; the checks judge that data and the figures plot it (neither computes).
Generators are seeded ``seed + offset`` with the offsets the rows have always used, so a stored
result reproduces bit for bit from its config and seed.

- ``run_ratio`` (rows 1a, 1b): the label weight against the mean of the applied mask, end to end
  through ``mix``; E[λ] and E[λ0] per family;
- ``run_weights_agreement`` (row 2): exact a_p, a_pq and profiles against streamed Monte Carlo,
  |exact − MC| / SE per entry, and a re-draw with 4× the masks at the worst entry;
- ``run_profiles`` (rows 3, 3b, 3c; figures apq_profiles, apq_heatmaps, hmix_r_sweep, gmix_profile);
- ``run_identity`` (row 4): the remainder of the exact decomposition (affine model, squared loss);
- ``run_estimators`` (row 6): moment form against direct form;
- ``run_first_layer_identity`` (row 8): R2 through the first layer against the input-gradient form.
"""
from __future__ import annotations

import math
from typing import Any

import torch

from msda_theory import masks
from msda_theory.data import load
from msda_theory.experiments.decomposition import binary_labels, small_model
from msda_theory.mix import mix
from msda_theory.regularizers import MaskSet, decompose, first_layer_r2
from msda_theory.weights import pair_weights
from msda_theory.weights.gaussian import gmix_continuum_profile, gmix_gaussian_term


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def recovered_gap(name: str, mode: str, batch: int, size: tuple[int, int], *, generator: torch.Generator) -> float:
    """max_i |y~[i, y_i] − mean_p M̂_ip| for one ``mix`` call, M̂ recovered from the mixed pixels.

    Image i < B/2 has pixels in [0.55, 0.95], its flip partner in [0.05, 0.45], so x − r is at least
    0.1 in size and M̂ = (x~ − r) / (x − r) (averaged over 3 channels) is the applied mask. Labels are
    distinct (y_i = i), so the soft label of y_i is exactly the label weight λ_i of image i.
    """
    u = torch.rand(batch, 3, *size, generator=generator, dtype=torch.float64)
    x = torch.where(torch.arange(batch)[:, None, None, None] < batch // 2, 0.55 + 0.4 * u, 0.05 + 0.4 * u)
    y = torch.arange(batch)
    mixed, soft, record = mix(x, y, masks.get(name), num_classes=batch, mode=mode, pairing="flip",
                              generator=generator)
    partner = x[record.partner]
    mask = ((mixed - partner) / (x - partner)).mean(1)  # (B, H, W)
    return float((soft[y, y] - mask.mean((-2, -1))).abs().max())


def ratio_statistics(name: str, n: int, size: tuple[int, int], *, generator: torch.Generator) -> dict[str, float]:
    """Mean shown ratio λ = mean(M) and drawn ratio λ0 over n masks, with SE = std / √n."""
    sampler = masks.get(name)
    lam0 = masks.draw_beta(n, sampler.alpha, generator=generator)
    _, lam = sampler.render(lam0, size, generator=generator, dtype=torch.float64)
    return {"mean_lam": float(lam.mean()), "se_lam": float(lam.std() / math.sqrt(n)),
            "mean_lam0": float(lam0.mean()), "se_lam0": float(lam0.std() / math.sqrt(n))}


def run_ratio(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Rows 1a and 1b: per (family, mode) the largest label-weight gap over ``calls`` mix calls; E[λ] per family."""
    size = tuple(config["size"])
    gaps = {f"{name}/{mode}": max(recovered_gap(name, mode, config["batch"], size, generator=_generator(seed + k * 7 + j))
                                  for j in range(config["calls"]))
            for k, name in enumerate(config["families"]) for mode in config["modes"]}
    ratios = {name: ratio_statistics(name, config["n_masks"], size, generator=_generator(seed + k))
              for k, name in enumerate(config["families"])}
    return {"max_gap": gaps, "ratios": ratios}


def _z(exact: torch.Tensor, mc: torch.Tensor, se: torch.Tensor) -> torch.Tensor:
    """|exact − mc| / se per entry (0 where both the difference and the SE vanish, inf where only the SE does)."""
    diff = (exact - mc).abs().flatten()
    se = se.flatten()
    return torch.where(se > 0, diff / se.clamp_min(1e-300), torch.where(diff < 1e-12, 0.0, math.inf))


def agreement_z(sampler: object, size: tuple[int, int], n: int, generator: torch.Generator) -> dict[str, Any]:
    """z-scores of a_p, the upper triangle of a_pq and the Euclidean profile: exact against n Monte Carlo masks."""
    exact = pair_weights(sampler, size)
    mc = pair_weights(sampler, size, method="mc", n_masks=n, generator=generator)
    d = size[0] * size[1]
    upper = torch.triu_indices(d, d)
    prof_e, prof_m = exact.profile("euclidean"), mc.profile("euclidean")
    z_pq = _z(exact.a_pq[upper[0], upper[1]], mc.a_pq[upper[0], upper[1]], mc.a_pq_se[upper[0], upper[1]])
    z = torch.cat([_z(exact.a_p, mc.a_p, mc.a_p_se), z_pq, _z(prof_e.mean, prof_m.mean, prof_m.se)])
    return {"entries": int(z.numel()), "max_z": float(z.max()), "worst_pq_entry": int(z_pq.argmax()),
            "max_z_pq": float(z_pq.max()), "z_pq": z_pq}


def _agreement_samplers() -> list[object]:
    return [masks.Mixup(alpha=1.0), masks.CutMix(alpha=1.0), masks.HMix(alpha=1.0, r=0.5), masks.GMix(alpha=1.0)]


def run_weights_agreement(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Row 2: per (family, size) the largest |exact − MC| / SE; then the worst case re-drawn with 4× the masks
    (independent generator), its max |z| over a_pq and the |z| of the entry that was largest."""
    n, rows, samplers = config["n_samples"], [], _agreement_samplers()
    for i, sampler in enumerate(samplers):
        for j, size in enumerate(config["sizes"]):
            got = agreement_z(sampler, tuple(size), n, _generator(seed + 10 * i + j))
            got.pop("z_pq")
            rows.append({"strategy": str(sampler), "case": i, "size": list(size), **got})
    worst = max(rows, key=lambda r: r["max_z"])
    again = agreement_z(samplers[worst["case"]], tuple(worst["size"]), 4 * n, _generator(seed + 999))
    recheck = {"strategy": worst["strategy"], "size": worst["size"], "masks": 4 * n, "max_z": again["max_z_pq"],
               "z_same_entry": float(again["z_pq"][worst["worst_pq_entry"]])}
    return {"per_case": rows, "n_samples": n, "entries": sum(r["entries"] for r in rows), "recheck": recheck}


def _profile_samplers(alpha: float) -> list[tuple[str, object, str]]:
    """(label, sampler, method) of the profile figures."""
    return ([("Mixup", masks.Mixup(alpha=alpha), "exact"), ("CutMix", masks.CutMix(alpha=alpha), "exact")]
            + [(f"HMix r={r}", masks.HMix(alpha=alpha, r=r), "exact") for r in (0.25, 0.5, 0.75)]
            + [("GMix", masks.GMix(alpha=alpha), "exact"), ("FMix (MC)", masks.FMix(alpha=alpha), "mc")])


def cutmix_turning_points(sizes: list[int]) -> dict[str, dict[str, Any]]:
    """Per side L: CutMix's exact Chebyshev profile, the distance of its minimum, whether it falls strictly until
    there, and the rise of the last bin above it."""
    out = {}
    for n in sizes:
        mean = pair_weights(masks.CutMix(alpha=1.0), (n, n)).profile("chebyshev").mean
        stop = int(mean.argmin())
        out[str(n)] = {"profile": mean.tolist(), "stops_falling_at": stop,
                       "falls_until_minimum": bool(torch.all(mean[1: stop + 1] < mean[:stop])),
                       "rise_after_minimum": float(mean[-1] - mean[stop])}
    return out


def hmix_contrast(n: int, r: float) -> float:
    """a(0) − a(L/2) of HMix's exact Chebyshev profile at side n (the distance contrast)."""
    mean = pair_weights(masks.HMix(alpha=1.0, r=r), (n, n)).profile("chebyshev").mean
    return float(mean[0] - mean[n // 2])


def gmix_form(n: int, alpha: float) -> dict[str, Any]:
    """GMix's exact Euclidean profile at n×n beside the no-border continuum form and its Gaussian term alone."""
    got = pair_weights(masks.GMix(alpha=alpha), (n, n))
    prof = got.profile("euclidean")
    return {"size": n, "distance": prof.distance.tolist(), "exact": prof.mean.tolist(),
            "no_border_form": gmix_continuum_profile(prof.distance, (n, n), alpha).tolist(),
            "gaussian_term": gmix_gaussian_term(prof.distance, (n, n), alpha).tolist(),
            "quadrature_error": float(got.details["quadrature_error"])}


def figure_profiles(size: tuple[int, int], alpha: float, n_mc: int, seed: int) -> dict[str, Any]:
    """Chebyshev profile and the a_pq rows of the centre and corner pixel of every figure sampler at ``size``."""
    h, w = size
    out = {}
    for i, (label, sampler, method) in enumerate(_profile_samplers(alpha)):
        got = pair_weights(sampler, size, method=method, n_masks=n_mc, generator=_generator(seed + i))
        out[label] = {"profile": got.profile("chebyshev").as_dict(),
                      "rows": {"centre": got.row((h // 2, w // 2)).tolist(), "corner": got.row((0, 0)).tolist()}}
    return out


def run_profiles(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Rows 3, 3b, 3c and the weight figures: exact profiles (Mixup, CutMix, HMix over r, GMix) and Monte Carlo
    FMix; every number the rows judge and the figures draw."""
    sizes, side = config["sizes"], config["figure_size"]
    mixup = pair_weights(masks.Mixup(alpha=1.0), (sizes[-1], sizes[-1])).a_pq
    return {
        "mixup_spread": float(mixup.max() - mixup.min()),
        "cutmix": cutmix_turning_points(sizes),
        "hmix_contrast": {"r": config["r"], "by_size": {str(n): [hmix_contrast(n, r) for r in config["r"]]
                                                        for n in sizes}},
        "gmix": gmix_form(config["gmix_size"], 1.0),
        "figure": {"size": [side, side], "alpha": config["alpha"],
                   "samplers": figure_profiles((side, side), config["alpha"], config["mc_samples"], seed),
                   "hmix_sweep": {f"{r:g}": pair_weights(masks.HMix(alpha=config["alpha"], r=r), (side, side))
                                  .profile("chebyshev").as_dict() for r in config["sweep_r"]},
                   "gmix": gmix_form(side, config["alpha"])},
    }


def run_identity(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Row 4: |L_msda − L_std − R1 − R2 − R3| for an affine model and squared loss, every family and both estimators,
    on an enumerated mask set (all partners, both orientations: no sampling error)."""
    g = _generator(seed)
    n, c, h, w, s = (config[k] for k in ("n", "channels", "height", "width", "masks"))
    x = torch.rand(n, c, h, w, generator=g, dtype=torch.float64)
    y = torch.randn(n, 3, generator=g, dtype=torch.float64)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(c * h * w, 3)).double()
    remainder: dict[str, float] = {}
    for family in config["families"]:
        mask_set = MaskSet(masks.get(family).sample(s, (h, w), generator=g, dtype=torch.float64)[0])
        for estimator in ("moment", "direct"):
            r = decompose(model, x, y, mask_set, loss="mse", estimator=estimator, n_masks="all", partners="all")
            remainder[f"{family}/{estimator}"] = abs(r.remainder)
    return {"max_abs_remainder": remainder}


def _exact_gap(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, sampler: object, loss: str,
               generator: torch.Generator) -> float:
    """Largest relative gap of R1, R2, R3 between the estimators on an enumerated mask set (both exact sums)."""
    mask_set = MaskSet(sampler.sample(4, (8, 8), generator=generator, dtype=torch.float64)[0])
    a, b = (decompose(model, x, y, mask_set, loss=loss, estimator=e, n_masks="all", partners="all")
            for e in ("moment", "direct"))
    return max(abs(getattr(a, t) - getattr(b, t)) / max(abs(getattr(a, t)), 1e-300) for t in ("r1", "r2", "r3"))


def run_estimators(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Row 6: per (loss, family, term) the moment form (Monte Carlo weights) and the direct form with their SEs;
    and the largest relative gap of the two on an enumerated mask set."""
    data = load("digits")
    n, draws = config["n"], config["draws"]
    x, y = data.x[:n].double(), data.y[:n]
    terms: dict[str, dict[str, float]] = {}
    exact_gap = 0.0
    for loss in ("ce", "bce"):
        target = y if loss == "ce" else binary_labels(y, data.num_classes).double()
        model = small_model("mlp", (1, 8, 8), data.num_classes if loss == "ce" else 1, seed=seed)
        for offset, family in enumerate(config["families"]):
            sampler = masks.get(family)
            mom = decompose(model, x, target, sampler, loss=loss, weights="mc", weight_samples=4 * draws * n,
                            estimator="moment", n_masks=2, generator=_generator(seed + offset))
            dir_ = decompose(model, x, target, sampler, loss=loss, estimator="direct", n_masks=draws,
                             generator=_generator(seed + 100 + offset))
            for term in ("r1", "r2", "r3"):
                terms[f"{loss}/{family}/{term}"] = {
                    "moment": getattr(mom, term), "moment_se": getattr(mom, f"{term}_se"),
                    "direct": getattr(dir_, term), "direct_se": getattr(dir_, f"{term}_se")}
            exact_gap = max(exact_gap, _exact_gap(model, x[:4], target[:4], sampler, loss, _generator(seed + 7)))
    return {"terms": terms, "exact_relative_gap": exact_gap}


def run_first_layer_identity(config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Row 8: |first-layer form − input-gradient form| / |input-gradient form| of R2 per (architecture, family)."""
    data = load("digits")
    x, y = data.x[: config["n"]].double(), data.y[: config["n"]]
    gaps = {}
    for arch in config["architectures"]:
        model = small_model(arch, (1, 8, 8), data.num_classes, seed=seed)
        for offset, family in enumerate(config["families"]):
            sample = masks.get(family).sample(config["masks"], (8, 8), generator=_generator(seed + offset),
                                              dtype=torch.float64)[0]
            mask_set = MaskSet(sample)
            layer_form = first_layer_r2(model, x, y, pair_weights(mask_set, (8, 8)), loss="ce")
            gradient_form = decompose(model, x, y, mask_set, loss="ce", estimator="moment", n_masks=2,
                                      generator=_generator(seed + offset)).r2
            gaps[f"{arch}/{family}"] = abs(layer_form - gradient_form) / abs(gradient_form)
    return {"relative_difference": gaps}


__all__ = ["run_estimators", "run_first_layer_identity", "run_identity", "run_profiles", "run_ratio",
           "run_weights_agreement"]
