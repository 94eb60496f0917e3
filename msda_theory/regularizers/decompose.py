"""L_msda = L_std + R1 + R2 + R3 + remainder, by the moment or the direct estimator (docs/theory.md sections 3-5).

``decompose`` evaluates every term for a model on a data set and a mask law:
L_std exactly, R1-R3 by the moment form (pixel weights times data moments) or
the direct form (averages over draws of mask and partner), and L_msda as a
Monte Carlo average of l(x_i + delta, y_i) over draws from D~ and D_X (the
label-preserving form of section 3, equal to the mixed-label loss when the
partners are the anchors themselves). With a ``MaskSet``, ``n_masks="all"``
and ``partners="all"`` every expectation is an exact finite sum.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import torch
from torch import Tensor

from msda_theory.data.items import read_all
from msda_theory.finite import check_finite
from msda_theory.masks._base import MaskSampler
from msda_theory.regularizers.data_moments import data_moments
from msda_theory.regularizers import plan
from msda_theory.regularizers.derivatives import as_rows, eval_mode
from msda_theory.regularizers.losses import get_loss, label_rows
from msda_theory.regularizers.moment_form import moment_terms
from msda_theory.regularizers.piecewise import piecewise_note
from msda_theory.regularizers.settings import DecomposeSettings, check_options, with_overrides
from msda_theory.weights import QUICK_EXACT, MaskSet, pair_weights, resolve_method
from msda_theory.regularizers.stream import (AnchorStats, chunk_values, evaluations_per_call, evaluations_per_image,
                                             streamed_terms)

FIELDS = ("l_std", "r1", "r2", "r3", "l_msda", "remainder", "r1_se", "r2_se", "r3_se", "l_msda_se", "remainder_se")


@dataclass(frozen=True)
class Decomposition:
    """The terms of L_msda = L_std + R1 + R2 + R3 + remainder, with standard errors (0 where exact)."""

    l_std: float
    r1: float
    r2: float
    r3: float
    l_msda: float
    remainder: float
    r1_se: float
    r2_se: float
    r3_se: float
    l_msda_se: float
    remainder_se: float
    config: dict[str, Any] = field(default_factory=dict)
    per_sample: dict[str, Tensor] | None = field(default=None, repr=False)
    se_covers: str = ""
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The scalar fields, what the SEs cover, the notes and the config, JSON-ready."""
        out: dict[str, Any] = {k: v for k, v in asdict(self).items() if k in FIELDS}
        out.update(se_covers=self.se_covers, notes=list(self.notes), config=dict(self.config))
        return out

    def summary(self) -> str:
        """One line per term, 'name = value ± SE', then what the SEs cover and the notes."""
        lines = [f"{name:<9} = {getattr(self, name):.6g}" + (f" ± {getattr(self, name + '_se'):.2g}"
                                                             if name != "l_std" else " (exact)")
                 for name in ("l_std", "r1", "r2", "r3", "l_msda", "remainder")]
        lines.append(f"SE covers: {self.se_covers or 'not recorded'}")
        return "\n".join(lines + [f"note: {note}" for note in self.notes])

    def __repr__(self) -> str:
        terms = ", ".join(f"{name}={getattr(self, name):.6g}±{getattr(self, name + '_se'):.2g}"
                          for name in ("r1", "r2", "r3", "l_msda", "remainder"))
        return (f"Decomposition(l_std={self.l_std:.6g}, {terms}, estimator={self.config.get('estimator')!r}, "
                f"se_covers={self.se_covers!r}, notes={self.notes!r})")


def check_inputs(model: Any, x: Tensor, y: Tensor, sampler: Any, reference: Tensor | None) -> None:
    """Raise ValueError on inputs ``decompose`` cannot use: shapes, a dtype other than the model's, NaN or inf."""
    if not callable(model):
        raise ValueError("model must be callable on images (B, C, H, W)")
    if not isinstance(x, Tensor) or x.ndim != 4 or not x.is_floating_point() or x.shape[0] < 1:
        raise ValueError(f"x must be a floating tensor (n, C, H, W) with n >= 1, got {getattr(x, 'shape', type(x))}")
    if not isinstance(y, Tensor) or y.shape[:1] != x.shape[:1]:
        raise ValueError(f"y must be a tensor with one label per image ({x.shape[0]}), got {getattr(y, 'shape', type(y))}")
    if not hasattr(sampler, "sample"):
        raise ValueError("sampler must have a method sample(n, size, *, generator, device, dtype)")
    if reference is not None and (not isinstance(reference, Tensor) or reference.ndim != 4
                                  or reference.shape[1:] != x.shape[1:] or reference.shape[0] < 1):
        raise ValueError(f"reference must be images (m, {', '.join(map(str, x.shape[1:]))}), got {getattr(reference, 'shape', type(reference))}")
    check_dtype(model, x)
    check_finite(x, "x")
    check_finite(y, "y")
    if reference is not None:
        check_finite(reference, "reference")


def model_dtype(model: Any) -> torch.dtype | None:
    """The dtype of the model's first floating parameter, or None (no parameters, or not a module)."""
    parameters = getattr(model, "parameters", None)
    return next((p.dtype for p in parameters() if p.is_floating_point()), None) if callable(parameters) else None


def check_dtype(model: Any, x: Tensor) -> None:
    """Raise ValueError when x's dtype differs from the model's parameters' (the forward pass would fail on it)."""
    dtype = model_dtype(model)
    if dtype is not None and x.dtype != dtype:
        raise ValueError(f"x is {x.dtype} but the model's parameters are {dtype}; "
                         f"pass x.to({dtype}) or convert the model")


def check_input_gradient(f: Callable[[Tensor], Tensor], x: Tensor) -> int:
    """Raise ValueError unless f's output on one image depends differentiably on it; return K."""
    with torch.enable_grad():
        out = f(x[:1].detach().clone().requires_grad_(True))
    if not out.requires_grad:
        raise ValueError("the model's output has no gradient with respect to its input (detached, or computed "
                         "under torch.no_grad()); decompose needs input derivatives")
    return out.shape[1]


def sampled_terms(f: Callable[[Tensor], Tensor], loss: Any, x: Tensor, y: Tensor, reference: Tensor,
                  sampler: MaskSampler, *, n_masks: int | str, partners: str, derivatives: bool,
                  scales: tuple[float, ...] = (1.0,), batch_size: int,
                  generator: torch.Generator | None) -> dict[str, Tensor]:
    """Unit values over all anchors: 'loss' (T, U, n), 'first', 'second_gn', 'second_h' (U, n); 'z', 'e' (n, K); 'l_std' (n,).

    The chunks are ``stream.chunk_values``'s (at most ``batch_size`` images per call), kept whole."""
    parts: dict[str, list[Tensor]] = {}
    for ys, z, e, values in chunk_values(f, loss, x, y, reference, sampler, n_masks=n_masks, partners=partners,
                                         derivatives=derivatives, evaluations=batch_size, generator=generator,
                                         scales=scales):
        values.update(z=z, e=e, l_std=loss.value(z, ys))
        for key, value in values.items():
            parts.setdefault(key, []).append(value)
    return {k: torch.cat(v, dim=0 if k in ("z", "e", "l_std") else -1) for k, v in parts.items()}


def anchors(model: Any, x: Any, y: Tensor | None) -> tuple[Tensor, Tensor]:
    """(x, y) as given (tensors), or read from a DataLoader / map-style Dataset of (x, y) pairs (``y`` None)
    and cast to the dtype of the model's first floating parameter (float64 for a float64 model)."""
    if isinstance(x, Tensor):
        return x, y  # type: ignore[return-value]  (check_inputs validates y)
    if y is not None:
        raise ValueError("y goes with tensors x; a DataLoader or Dataset brings its own labels (pass y=None)")
    xs, ys = read_all(x, "the decomposition's data")
    return xs.to(model_dtype(model) or xs.dtype), ys


def decompose(model: Callable[[Tensor], Tensor], x: Tensor, y: Tensor | None, sampler: MaskSampler, *,
              loss: str = "ce", settings: DecomposeSettings | None = None, reference: Tensor | None = None,
              per_sample: bool = False, progress: bool | None = None, generator: torch.Generator | None = None,
              **overrides: Any) -> Decomposition:
    """L_msda = L_std + R1 + R2 + R3 + remainder for ``model`` on (x, y) under ``sampler``.

    Args:
        model: maps images (B, C, H, W) to outputs (B, K) ((B,) or (B, 1) for bce). An ``nn.Module``
            is evaluated in eval mode (batch norm on running statistics, no dropout) and its modes
            are restored afterwards.
        x: anchors (n, C, H, W), of the model's dtype; y: class indices (n,) or label rows (n, K) (targets
            (n,) for bce). NaN or inf in x, y or ``reference``, or in the model's output on x, is refused
            (ValueError naming how many values or inputs and the first).
            Or x a DataLoader / map-style Dataset of (image, class) pairs with y None: every
            sample is read (one pass) and cast to the model's dtype.
        sampler: the mask law D_M (anything with ``sample``; a ``MaskSet`` for exact enumeration).
        loss: 'ce', 'bce' or 'mse' (section 1).
        settings: how to estimate and what to spend, a ``DecomposeSettings`` (default: its defaults):
            ``estimator``: 'auto' (default: the cheaper of the two for this input, see ``plan.py``; direct
            unless the images are small and the draws many), 'moment' (weights times moments: one
            HVP per input coordinate per image; its R SEs cover the weights only) or 'direct'
            (averages over draws: SEs over the draws).
            ``weights``: the moment form's a, A by a ``pair_weights`` method: 'exact' (default), 'auto' (exact
            where there is a closed form), 'quick' (exact for Mixup, CutMix, HMix, a MaskSet), 'mc' or
            'mask-set'. Every Monte Carlo choice draws ``weight_samples`` (4096) masks and keeps them (method
            'mask-set'), so that the R SEs cover the weights' error; moment estimator only.
            ``n_masks``: draws (mask, partner) per image for the direct terms and L_msda (64), or 'all' for a
            ``MaskSet`` (not the weights' masks: those are ``weight_samples``, ``pair_weights``'s ``n_masks``).
            ``partners``: 'sample' (default: one partner per draw) or 'all' (every reference image per draw).
            ``batch_size``: the most images evaluated in one call (2048).
            ``memory_budget``: bytes the evaluation batch may use (default 2 GiB); the data are processed in
            chunks of anchors x draws that fit it, so peak memory grows with neither n nor n_masks.
        reference: the partner images (m, C, H, W) defining mu, Sigma (default: x).
        per_sample: also return per-image tensors (n,) of the terms the estimator has per image.
        progress: tqdm bars over the chunks and the HVP columns (None: only on a terminal).
        generator: the source of every draw.
        **overrides: fields of ``settings`` by name (``estimator="direct", n_masks=8``), replacing the
            settings' values; any other keyword is a TypeError naming the valid ones.

    Cost (direct estimator), per draw: one forward pass at x_i + delta (the loss), and one
    forward-over-forward jvp at x_i along delta, vmapped over the draws of a chunk, which gives
    J delta and every delta^T H_c delta together for about three forward passes' arithmetic
    and no stored activations (reverse mode would store them and cost a backward per output).
    The estimated work of both estimators is logged (``msda_theory`` logger; INFO above 30 s).
    On Linux, a long run is faster in a process that called ``msda_theory.bench.allocator.steady_allocator``
    (the CLI does): each chunk then reuses the previous chunk's freed buffers instead of page-faulting
    on fresh ones.

    Returns:
        A ``Decomposition``; remainder = l_msda - l_std - r1 - r2 - r3; ``se_covers`` says what its
        SEs cover and ``notes`` what to know when reading it (R3 of a piecewise-linear model).
    """
    x, y = anchors(model, x, y)
    settings = with_overrides(settings, overrides)
    check_inputs(model, x, y, sampler, reference)
    check_options(sampler, settings)
    with eval_mode(model):
        return _decompose(model, x, y, sampler, loss=loss, settings=settings, reference=reference,
                          per_sample=per_sample, progress=progress, generator=generator)


def _decompose(model: Callable[[Tensor], Tensor], x: Tensor, y: Tensor, sampler: MaskSampler, *, loss: str,
               settings: DecomposeSettings, reference: Tensor | None, per_sample: bool, progress: bool | None,
               generator: torch.Generator | None) -> Decomposition:
    """``decompose`` on checked inputs, the model already in eval mode."""
    estimator, weights, n_masks, partners = settings.estimator, settings.weights, settings.n_masks, settings.partners
    glm = get_loss(loss)
    reference = x if reference is None else reference.to(device=x.device, dtype=x.dtype)
    f = as_rows(model, glm)
    k = check_input_gradient(f, x)
    evaluations = evaluations_per_call(f, x, settings.memory_budget, settings.batch_size)
    work = plan.estimate(f, x, evaluations_per_image(sampler, n_masks, partners, reference.shape[0]), k)
    method = weight_method(weights, sampler)
    ready = method == "mask-set" or isinstance(sampler, (MaskSet, *QUICK_EXACT))  # no slow exact sum first
    chosen = plan.choose(estimator, work, moment_ready=ready)
    plan.log_plan(estimator, chosen, work, int(x.shape[0]))
    with torch.no_grad():
        rows = label_rows(y, k, glm, x.dtype).to(x.device)
        exact = n_masks == "all" and partners == "all"
        stats, l_std_i = streamed_terms(f, glm, x, rows, reference, sampler, n_masks=n_masks, partners=partners,
                                        derivatives=chosen == "direct", evaluations=evaluations,
                                        generator=generator, progress=progress)
        l_msda, l_msda_se, l_msda_i = stats["loss"].summary(exact=exact)
        if chosen == "direct":
            terms, per = _direct_terms(stats, exact)
            remainder, remainder_se, per["remainder"] = stats["remainder"].summary(exact=exact)
        else:
            w = pair_weights(sampler, tuple(x.shape[-2:]), method=method, n_masks=settings.weight_samples,
                             generator=generator)
            terms = moment_terms(f, glm, x, rows, data_moments(reference), w,
                                 batch_size=min(settings.batch_size, evaluations), progress=progress)
            per = {"r1": terms.pop("r1_i")}
            terms.pop("l_std_i")
            remainder = l_msda - float(l_std_i.mean()) - terms["r1"] - terms["r2"] - terms["r3"]
            remainder_se = math.sqrt(l_msda_se**2 + terms["r1_se"] ** 2 + terms["r2_se"] ** 2 + terms["r3_se"] ** 2)
    per.update(l_std=l_std_i, l_msda=l_msda_i)
    config = {"loss": loss, "weights": weights if chosen == "moment" else None,
              "weights_method": method if chosen == "moment" else None, "estimator": chosen,
              "estimator_requested": estimator, "evaluations_per_call": evaluations,
              "n_masks": n_masks, "partners": partners, "n": int(x.shape[0]), "m": int(reference.shape[0]),
              "sampler": str(sampler) if n_masks != "all" else f"MaskSet({sampler.masks.shape[0]} masks)"}
    notes = tuple(note for note in (piecewise_note(model),) if note)
    return Decomposition(l_std=float(l_std_i.mean()), l_msda=l_msda, l_msda_se=l_msda_se, remainder=remainder,
                         remainder_se=remainder_se, config=config, per_sample=per if per_sample else None,
                         se_covers=se_covers(chosen, method, exact), notes=notes,
                         **{k: float(v) for k, v in terms.items()})


def weight_method(weights: str, sampler: Any) -> str:
    """The ``pair_weights`` method of the moment form's a, A: ``weights`` resolved for ``sampler``, with the
    streamed "mc" replaced by "mask-set" (the same masks, kept: the R SEs need per-mask terms)."""
    method = resolve_method(weights, sampler)
    return "mask-set" if method == "mc" else method


def se_covers(estimator: str, weights: str, exact: bool) -> str:
    """What the standard errors of a decomposition by ``estimator`` cover, in words (``weights``: the resolved
    method of ``weight_method``)."""
    if estimator == "direct":
        return "none: every expectation is an exact sum" if exact else \
            "the draws of mask and partner (the anchors are fixed)"
    pixel = "0: exact weights" if weights == "exact" else "the Monte Carlo error of the pixel weights"
    draws = "" if exact else "; l_msda_se and remainder_se also cover the draws of mask and partner"
    return f"weights only: r1_se, r2_se, r3_se are {pixel} (data moments and derivatives are exact sums){draws}"


def _direct_terms(stats: dict[str, AnchorStats], exact: bool) -> tuple[dict[str, float], dict[str, Tensor]]:
    """R1, R2, R3 and their SEs from the per-anchor statistics of the direct estimator."""
    terms: dict[str, float] = {}
    per: dict[str, Tensor] = {}
    for name, key in (("r1", "first"), ("r2", "second_gn"), ("r3", "second_h")):
        terms[name], terms[f"{name}_se"], per[name] = stats[key].summary(exact=exact)
    return terms, per
