"""Claim 7: along training, L_std + R1 + R2 + R3 tracks L_msda (Zhang et al. 2021, Figure 1 analogue)."""
from __future__ import annotations

from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.regularizers.experiments import tracking_runs

GAP_MAX = 0.05


@check("7", "MSDA behaves as a pixel-level regularization of the underlying training loss: along training, "
            "L_std + R1 + R2 + R3 stays within 5% of L_msda, every family", "paper", "msda-theory checks --only 7")
def tracks_along_training(ctx: CheckContext) -> Measurement:
    runs = tracking_runs(quick=ctx.quick, seed=ctx.seed)
    gaps = {family: run["relative_gap"] for family, run in runs.items()}
    ses = {family: [se / l for se, l in zip(run["remainder_se"], run["l_msda"])] for family, run in runs.items()}
    top = max(abs(g) for values in gaps.values() for g in values)
    family = next(iter(runs.values()))
    return Measurement(
        value=f"max |L_msda - approx| / L_msda = {top:.2e} over {len(family['epoch'])} evaluations per family "
              f"(largest relative SE {max(max(v) for v in ses.values()):.1e})",
        verdict="holds" if top <= GAP_MAX else "fails",
        method=f"softplus CNN trained with each family on {family['data']}; L_msda and the approximation on a fixed "
               "subset with the same draws after every epoch (direct estimator)",
        details={"relative_gap": gaps, "relative_gap_se": ses, "runs": runs},
        discussion="Paper quote: 'MSDA behaves as a pixel-level regularization of the underlying training loss'. "
                   "The 5% bound is ours; the quick run trains only briefly, the full run longer.",
    )
