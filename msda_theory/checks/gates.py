"""Convergence gates of the training-based rows (verdict rules: they live in checks/), fixed before any
evidence run was measured.

A row that compares trained models reads "inconclusive (not converged)" unless both hold:

- overfit gate: the vanilla models reach clean train accuracy ≥ ``OVERFIT_MIN`` (0.98) on their
  training subset at the last epoch, every seed (so there is something for MSDA to regularize);
- plateau gate: for every strategy and seed the training loss has stopped falling: over the last
  ``k = max(2, ⌈epochs / 5⌉)`` epochs against the k before them, as a share of the whole fall,
      (mean(previous k) − mean(last k)) / (loss(epoch 1) − mean(last k)) ≤ ``PLATEAU_TOL`` (0.05).

The plateau gate reads the clean training loss per epoch (the loss of the unmixed training images, stored
as ``curve['clean_train_loss']``); results stored without it are read on the mixed-label training loss.

History: the plateau gate first divided by mean(previous k); the first measured vanilla curve (MLP,
loss 1.49 → 0.02) showed that such a rule fails for any loss tending to 0 however flat its curve,
so the denominator became the whole fall. This was changed before any evidence result was computed.
Second change, AFTER the 8-seed evidence results had been seen: the gate read the mixed-label training
loss (``curve['train_loss']``) and failed on them (``MIXED_LABEL_HISTORY``; the gates dict keeps that
statistic, and ``gates_text`` states both).
"""
from __future__ import annotations

import math
from typing import Any, Sequence

OVERFIT_MIN = 0.98
PLATEAU_TOL = 0.05


def plateau(losses: Sequence[float]) -> float:
    """Fall of the mean loss over the last k epochs against the k before them, as a share of the whole fall
    loss(epoch 1) − mean(last k), k = max(2, ⌈E/5⌉); inf when there are fewer than 2k epochs."""
    k = max(2, math.ceil(len(losses) / 5))
    if len(losses) < 2 * k:
        return math.inf
    before, last = sum(losses[-2 * k:-k]) / k, sum(losses[-k:]) / k
    total = losses[0] - last
    return (before - last) / total if total > 0 else math.inf


MIXED_LABEL_HISTORY = (
    "Gate rule revised after the 8-seed evidence results had been seen: the plateau gate read the mixed-label "
    "training loss, whose largest relative fall over the last epochs is {mixed:.3f} on these models ({verdict} at "
    "≤ {tol}; under it the rows read inconclusive (not converged)); it now reads the clean training loss, the "
    "convergence the gate asks about. The mixed-label loss's per-epoch mean moves with the batches' λ draws "
    "({rising} of {msda} MSDA curves rose over their last epochs, against {vanilla_rising} of {n_vanilla} vanilla "
    "curves), the reason row 11's gate was moved to the clean loss on pilot seeds before this run; that change was "
    "not carried over to these rows before the run.")


def _curve(unit: dict[str, Any]) -> list[float]:
    """The loss curve the plateau gate reads: the clean training loss where stored, else the mixed-label loss."""
    curve = unit["curve"]
    return curve["clean_train_loss"] if "clean_train_loss" in curve else curve["train_loss"]


def training_gates(units: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Gate results for the stored trained-model units ``units[strategy][seed index]``; ``mixed_label`` keeps the
    plateau statistic of the mixed-label training loss (the gate's previous curve) for the rows' history."""
    vanilla = [u["curve"]["clean_train_accuracy"][-1] for u in units.get("none", [])]
    falls = {s: [plateau(_curve(u)) for u in us] for s, us in units.items()}
    mixed = {s: [plateau(u["curve"]["train_loss"]) for u in us] for s, us in units.items()}
    overfit_ok = bool(vanilla) and min(vanilla) >= OVERFIT_MIN
    plateau_ok = all(f <= PLATEAU_TOL for fs in falls.values() for f in fs)
    return {"passed": overfit_ok and plateau_ok, "overfit": {"passed": overfit_ok, "vanilla_train_accuracy": vanilla,
                                                            "min": OVERFIT_MIN},
            "plateau": {"passed": plateau_ok, "relative_fall": falls, "max": PLATEAU_TOL,
                        "curve": "clean training loss" if all("clean_train_loss" in u["curve"] for us in units.values()
                                                               for u in us) else "training loss",
                        "mixed_label": mixed}}


GATE_REVISED_ON = "evidence"
"""The preset whose results the plateau gate's change was made on (the rows mark it in the table there)."""


def mixed_label_history(gates: dict[str, Any]) -> str:
    """``MIXED_LABEL_HISTORY`` filled with these models' numbers (the previous gate's statistic and outcome)."""
    mixed = gates["plateau"]["mixed_label"]
    msda = [f for s, fs in mixed.items() if s != "none" for f in fs]
    plain = mixed.get("none", [])
    worst = max(f for fs in mixed.values() for f in fs)
    return MIXED_LABEL_HISTORY.format(mixed=worst, verdict="FAIL" if worst > PLATEAU_TOL else "PASS", tol=PLATEAU_TOL,
                                      rising=sum(f < 0 for f in msda), msda=len(msda),
                                      vanilla_rising=sum(f < 0 for f in plain), n_vanilla=len(plain))


def gates_text(gates: dict[str, Any]) -> str:
    """One line: 'gates: overfit PASS (vanilla train acc 0.99-1.00 ≥ 0.98); plateau PASS (max fall 0.012 ≤ 0.05)'."""
    acc = gates["overfit"]["vanilla_train_accuracy"]
    falls = [f for fs in gates["plateau"]["relative_fall"].values() for f in fs]
    acc_text = f"{min(acc):.3f}–{max(acc):.3f}" if acc else "n/a"
    return (f"gates: overfit {'PASS' if gates['overfit']['passed'] else 'FAIL'} (vanilla clean train acc "
            f"{acc_text}, needs ≥ {OVERFIT_MIN}); plateau {'PASS' if gates['plateau']['passed'] else 'FAIL'} "
            f"(max relative fall of the {gates['plateau'].get('curve', 'training loss')} over the last epochs "
            f"{max(falls):.3f}, needs ≤ {PLATEAU_TOL})")


def gates_brief(gates: dict[str, Any]) -> str:
    """'gates: overfit PASS, plateau PASS': the two gates' outcomes only (``gates_text`` gives the numbers)."""
    return (f"gates: overfit {'PASS' if gates['overfit']['passed'] else 'FAIL'}, "
            f"plateau {'PASS' if gates['plateau']['passed'] else 'FAIL'}")


__all__ = ["GATE_REVISED_ON", "MIXED_LABEL_HISTORY", "OVERFIT_MIN", "PLATEAU_TOL", "gates_brief", "gates_text", "mixed_label_history",
           "plateau", "training_gates"]
