"""Claim 7: along training, L_std + R1 + R2 + R3 tracks L_msda (Zhang et al. 2021, Figure 1 analogue)."""
from __future__ import annotations

from msda_theory.checks.registry import CheckContext, Measurement, check
from msda_theory.regularizers.experiments import tracking_runs

GAP_MAX = 0.05


@check("7", "MSDA behaves as a pixel-level regularization of the underlying training loss: along training, "
            "L_std + R1 + R2 + R3 stays within 5% of L_msda, every family", "paper", "msda-theory check --only 7")
def tracks_along_training(ctx: CheckContext) -> Measurement:
    runs = tracking_runs(quick=ctx.quick, seed=ctx.seed)
    gaps = {family: run["relative_gap"] for family, run in runs.items()}
    ses = {family: [se / l for se, l in zip(run["remainder_se"], run["l_msda"])] for family, run in runs.items()}
    top = max(abs(g) for values in gaps.values() for g in values)
    family = next(iter(runs.values()))
    per_family = "; ".join(
        f"{name}: gap by epoch [{', '.join(f'{g:+.3f}' for g in run['relative_gap'])}], "
        f"train loss {run['train_loss'][-1]:.2f}" for name, run in runs.items())
    held = top <= GAP_MAX
    discussion = ("Paper quote: 'MSDA behaves as a pixel-level regularization of the underlying training loss'. "
                  "The 5% bound is ours, fixed before measuring.")
    if not held:
        first = max(abs(run["relative_gap"][0]) for run in runs.values())
        discussion += (
            f" The second-order approximation misses L_msda by up to {100 * top:.0f}% (at initialisation at most "
            f"{100 * first:.1f}%). The expansion is in δ = (1 − M) ⊙ (r − x), which is not small: with α = 1 the "
            "mixing ratio is uniform, so δ is often a large share of the image, and theory.md section 5 already notes "
            "that no small-α regime makes the remainder vanish relative to R2. As training makes the network more "
            "curved, the third- and higher-order terms grow. So the decomposition is exact as an identity with its "
            "remainder, but L_std + R1 + R2 + R3 alone does not track L_msda within 5% on this model and data.")
    return Measurement(
        value=f"max |L_msda − approx| / L_msda = {top:.3f} over {len(family['epoch'])} evaluations per family "
              f"(largest relative SE {max(max(v) for v in ses.values()):.1e}); {per_family}",
        verdict="holds" if held else "fails",
        method=f"tanh CNN trained with each family on {family['data']}; L_msda and the approximation on a fixed "
               "subset with the same draws before training and after every epoch (direct estimator)",
        details={"relative_gap": gaps, "relative_gap_se": ses, "runs": runs},
        discussion=discussion,
    )
