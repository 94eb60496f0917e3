"""The sizes of every experiment, per preset: ``tiny`` (tests, seconds), ``quick`` (smoke, ≤ 10 min on
2 cores, no verdict on training-based claims 9, 11, 12b) and ``evidence`` (``check --full``).

Each function returns the plain config dict of its experiment; the config (with the seed) is what
the results store hashes, so changing a size here recomputes exactly the results it affects.

Evidence sizes were chosen from measured accuracy-vs-epoch curves (README; figure ``convergence``)
so that vanilla overfits its Fashion-MNIST subset (train accuracy ≥ 98%) and every strategy's
training loss plateaus, and so that ``check --full`` fits in about 45 minutes on this 2-core
machine. Measured on 1000-image subsets, Adam, cosine, batch 32 (train accuracy at the last epoch):
the avg-pool ``cnn`` and the ``cnn-max`` variant stay below 98% (cnn-max: 85% after 40 epochs at
lr 1e-3, 96% at 5e-3; 97% on 500 images after 60 epochs at batch 16, ≈ 5 min per run plus ≈ 5 min
of attacks), while the ``mlp`` reaches 97% after 30 epochs at lr 1e-3 in 27 s: the evidence models
are MLPs, trained 60 epochs.

The trained-model evidence (claims 8b, 9, 9b, 12b): 8 seeds per strategy, each seed on its own training
subset (``data_seed`` = seed, so the seed-to-seed spread includes the choice of subset), all 10,000
Fashion-MNIST test images attacked.
"""
from __future__ import annotations

from typing import Any

from msda_theory.data import available
from msda_theory.masks import PAPER_FAMILIES
from msda_theory.train import TrainConfig

PRESETS = ("tiny", "quick", "evidence")
FASHION_HINT = "skipped: needs Fashion-MNIST (apt-get install dataset-fashion-mnist)"


class NeedsData(RuntimeError):
    """An experiment's preset needs a data set that is not installed (the row reads 'skipped')."""


def check_preset(preset: str) -> str:
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    return preset


FIRST_FORMAT_PARAMETERS = {"alpha": 1.0, "r": 0.5, "decay_power": 3.0}
"""The flat family parameters that TrainConfig dicts held before strategy specs. The trained-model train
dict keeps them so that its config, and the key of every stored result, is unchanged;
``TrainConfig.from_dict`` folds the ones each family takes into its spec (``"cutmix:alpha=1.0"``)."""


def _train(**kw: Any) -> dict[str, Any]:
    return {**TrainConfig(**kw).to_dict(), **FIRST_FORMAT_PARAMETERS}


DERIVED_FAMILIES = ("mixup", "cutmix", "hmix", "gmix", "fmix")
"""The families the derived rows 1a, 1b and 4 cover, pinned here (a family registered later does not widen them)."""


def _sized(preset: str, small: Any, evidence: Any) -> Any:
    """``small`` for the tiny and quick presets, ``evidence`` for the evidence preset."""
    return evidence if check_preset(preset) == "evidence" else small


def ratio(preset: str) -> dict[str, Any]:
    """Rows 1a, 1b: mix calls of ``batch`` images, ``n_masks`` masks per family for E[λ], 32×32."""
    batch, calls, n_masks = _sized(preset, (8, 20, 5_000), (16, 200, 50_000))
    return {"families": DERIVED_FAMILIES, "modes": ("elem", "batch"), "size": (32, 32), "batch": batch,
            "calls": calls, "n_masks": n_masks}


def weights_agreement(preset: str) -> dict[str, Any]:
    """Row 2: 4 paper families × 3 sizes, ``n_samples`` Monte Carlo masks each (evidence: a 2× smaller SE)."""
    return {"families": PAPER_FAMILIES, "sizes": ((8, 8), (16, 16), (8, 12)),
            "n_samples": _sized(preset, 10_000, 50_000)}


def weights_agreement_seed(preset: str) -> int:
    """Row 2's unit seed: 1 at the evidence preset (a fresh seed: seed 0 is the run judged under the old rule)."""
    return _sized(preset, 0, 1)


def profiles(preset: str) -> dict[str, Any]:
    """Rows 3, 3b, 3c and the weight figures: exact profiles at ``sizes``; figures at ``figure_size``."""
    sizes, side, gmix, mc = _sized(preset, ((8, 16), 16, 16, 2_000), ((8, 16, 32), 32, 32, 50_000))
    return {"sizes": sizes, "r": (0.0, 0.25, 0.5, 0.75, 1.0), "gmix_size": gmix, "figure_size": side,
            "alpha": 1.0, "mc_samples": mc,
            "sweep_r": _sized(preset, (0.0, 0.25, 0.5, 0.75, 1.0), (0.0, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 1.0))}


def identity(preset: str) -> dict[str, Any]:
    """Row 4: n images C×H×W, ``masks`` masks per family, affine model."""
    n, c, h, w, s = _sized(preset, (6, 2, 4, 5, 8), (12, 3, 8, 8, 32))
    return {"families": DERIVED_FAMILIES, "n": n, "channels": c, "height": h, "width": w, "masks": s}


def estimators(preset: str) -> dict[str, Any]:
    """Row 6: n digits, ``draws`` direct draws per image (moment form with 4 · draws · n Monte Carlo masks)."""
    n, draws = _sized(preset, (6, 32), (32, 256))
    return {"families": PAPER_FAMILIES, "n": n, "draws": draws}


def first_layer_identity(preset: str) -> dict[str, Any]:
    """Row 8: n digits, tanh linear / MLP / CNN, a 64-mask set per paper family."""
    return {"families": PAPER_FAMILIES, "architectures": ("linear", "mlp", "cnn"), "n": _sized(preset, 16, 128),
            "masks": 64}


ATTACK_NAMES = ("fgsm", "pgd")
"""The attacks of the trained-model units, pinned here (they enter the store key; an attack registered later
does not change the stored results' meaning)."""


def trained_models(preset: str) -> dict[str, Any]:
    """Claims 8b, 9, 9b, 12b: {'train': TrainConfig dict (strategy set per unit), 'attack' (with its pinned
    'attacks' list), 'strategies', 'seeds', 'vary_data_seed' (each seed trains on its own subset)}."""
    return {**_trained_models(preset), "vary_data_seed": preset == "evidence"}


def _trained_models(preset: str) -> dict[str, Any]:
    check_preset(preset)
    strategies = ("none", *PAPER_FAMILIES)
    if preset == "tiny":
        train = _train(data="digits", model="cnn", optimizer="adam", lr=3e-3, epochs=2, batch_size=64, subset=300,
                       weight_decay=0.0)
        attack = {"eps": {"linf": (0.03,), "l2": (0.3,)}, "pgd_steps": 3, "restarts": 1, "n_eval": 60,
                  "attacks": ATTACK_NAMES}
        return {"train": train, "attack": attack, "strategies": strategies, "seeds": (0, 1)}
    if preset == "quick":
        if not available("fashion-mnist"):
            train = _train(data="digits", model="mlp", optimizer="adam", lr=1e-3, epochs=10, batch_size=32,
                           weight_decay=0.0)
            attack = {"eps": {"linf": (0.02, 0.05), "l2": (0.2, 0.5)}, "pgd_steps": 5, "restarts": 1, "n_eval": 300,
                      "attacks": ATTACK_NAMES}
            return {"train": train, "attack": attack, "strategies": strategies, "seeds": (0, 1)}
        train = _train(data="fashion-mnist", model="mlp", optimizer="adam", lr=1e-3, epochs=10, batch_size=32,
                       subset=1000, test_subset=500, weight_decay=0.0)
        attack = {"eps": {"linf": (0.01, 0.03), "l2": (0.2, 0.5)}, "pgd_steps": 5, "restarts": 2, "n_eval": 300,
                  "attacks": ATTACK_NAMES}
        return {"train": train, "attack": attack, "strategies": strategies, "seeds": (0, 1)}
    if not available("fashion-mnist"):
        raise NeedsData(FASHION_HINT)
    train = _train(data="fashion-mnist", model="mlp", optimizer="adam", lr=1e-3, epochs=60, batch_size=32,
                   subset=1000, test_subset=500, weight_decay=0.0)
    attack = {"eps": {"linf": (0.01, 0.02, 0.04), "l2": (0.1, 0.3, 0.6)}, "pgd_steps": 10, "restarts": 2,
              "n_eval": 10_000, "attacks": ATTACK_NAMES}
    return {"train": train, "attack": attack, "strategies": strategies, "seeds": tuple(range(8))}


def tracking(preset: str) -> dict[str, Any]:
    """Claim 7: tanh CNN on digits trained through ``fit``; L_msda and the approximation per epoch.

    Every family at α = 1; the α sweep (the other ``alphas``) for the ``swept`` families only. Evidence
    sizes: one run (Fashion-MNIST-free, digits) measured 158 s on a loaded machine with SE 0.016 < 0.03 at
    192 images × 24 draws; 128 images keep the SE near 0.02 at two thirds of the cost. The gradient
    alignment at the last epoch (8 jackknife groups) measured 4.8 s per run at 128 images × 24 draws. ``t_scan``:
    the perturbation scales t of the explained-fraction scan after training (same images and draws)."""
    check_preset(preset)
    base = {"data": "digits", "model": "cnn", "activation": "tanh", "optimizer": "adam", "lr": 3e-3,
            "weight_decay": 0.0, "schedule": "constant", "batch_size": 32, "pairing": "perm"}
    sizes = {"tiny": (100, 1, 8, 2, ("mixup", "cutmix")),
             "quick": (600, 3, 32, 4, ()),
             "evidence": (1200, 5, 128, 24, ("mixup", "cutmix"))}[preset]
    n_train, epochs, n_eval, n_masks, swept = sizes
    return {"train": {**base, "subset": n_train, "epochs": epochs}, "n_eval": n_eval, "n_masks": n_masks,
            "alignment_groups": 8 if preset != "tiny" else 4, "t_scan": (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
            "families": PAPER_FAMILIES if preset != "tiny" else ("mixup", "cutmix"), "swept": swept,
            "alphas": (0.2, 0.5, 2.0) if preset != "tiny" else (0.5,)}


def taylor(preset: str) -> dict[str, Any]:
    """Claim 5: digits, float64, tanh model; n images, n_masks draws, architecture."""
    check_preset(preset)
    n, n_masks, arch = {"tiny": (4, 2, "mlp"), "quick": (8, 4, "mlp"), "evidence": (64, 16, "cnn")}[preset]
    return {"n": n, "n_masks": n_masks, "arch": arch, "statistic": "mean |per-draw remainder|"}


def bound(preset: str) -> dict[str, Any]:
    """Claim 10: logistic regression on Fashion-MNIST Pullover vs Coat (and the separable Trouser vs Bag), and
    the decidable part: small training subsets of separable pairs (``subsets``).

    Subset sizes from a pilot (2 draws; vanilla, Mixup, CutMix on (1, 8), all five strategies on the others;
    1 thread, shared CPU): at 100 epochs Trouser vs Bag (1, 8) and T-shirt vs Sneaker (0, 7) had every training point correct in 42 of 42 models of 50-200 points,
    with ε_Z/median‖x‖ 0.007-0.080 (41 of 42 at least 0.01); Pullover vs Coat (2, 4) was mostly vacuous
    (ε_Z/median‖x‖ 1e-5 to 9.8e-3, 12 of 30 models with a wrong training point at n = 100-200) and is left out.
    Longer training on (1, 8) (n = 50 and 200, none/mixup/gmix) grows ‖θ‖ and shrinks R: ε_Z/median‖x‖ at 300
    epochs 0.0096-0.065, at 1000 epochs 0.007-0.067, with exact margins within 0.007 of each other; 300 epochs
    is taken (0.5-2.7 s per model there). Every exact margin in the pilot was positive (0.0006-0.18).
    The evidence subsets (2 pairs × 3 sizes × 4 draws × 5 strategies = 120 models) took 173 s on one thread of a
    shared 2-core machine under load about 6 (the full-data pairs took 166 s at f0f0d4a): 120 of 120 with every
    training point correct, 90 with ε_Z ≥ 0.01 median‖x‖.
    """
    check_preset(preset)
    if not available("fashion-mnist"):
        raise NeedsData(FASHION_HINT)
    n_train, epochs, seeds = {"tiny": (300, 2, (0,)), "quick": (2000, 10, (0, 1)),
                              "evidence": (None, 20, (0, 1, 2))}[preset]
    subsets = {"tiny": {"pairs": ((1, 8),), "sizes": (30,), "draws": 1, "epochs": 20},
               "quick": {"pairs": ((1, 8),), "sizes": (50, 200), "draws": 2, "epochs": 100},
               "evidence": {"pairs": ((1, 8), (0, 7)), "sizes": (50, 100, 200), "draws": 4, "epochs": 300}}[preset]
    return {"data": "fashion-mnist", "pairs": ((2, 4), (1, 8)), "n_train": n_train,
            "n_test": None if n_train is None else 1000, "epochs": epochs, "seeds": seeds, "gmix_samples": 10000,
            "subsets": subsets}


GLOBAL_AMPLITUDE = 0.3
"""The global task's cosine amplitude (``experiments.tasks.global_task``); 0.25 until the 12-seed run (below)."""


def task(preset: str) -> dict[str, Any]:
    """Claim 11: synthetic local / global tasks on digits backgrounds 8×8 (mixing version: 4 families, ``fit``).

    Evidence: 12 seeds (0..11), 40 epochs, global amplitude 0.3. Why: in the 6-seed run (amplitude 0.25,
    20 epochs) several seeds never learned the global task (loss at log 2, accuracy 0.50-0.59), so the SD of
    Δ was 5-6.5 pp. Pilot on seeds 100-103 only (never 0..11; the task images are the evidence unit's, task
    seed 0), ``nice -n 5 python benchmarks/pilot_task_global.py --version V --task T --amplitudes A
    --epochs E [--seeds 100 101 102]``, test accuracy per seed, Mixup / CutMix:

    - mixing, global, 20 epochs: A 0.25 → .80 .71 .71 .79 / .80 .86 .76 .78; A 0.5 → .999-1.000 both (ceiling);
    - mixing, global, 30 epochs: A 0.3 → .97 .93 .95 .97 / .99 1.00 .96 .99; A 0.35 → .97-1.00 / .99-1.00;
      A 0.4 → Mixup .997-.999 (ceiling);
    - mixing, A 0.3, 40 epochs (seeds 100-102): global .989 .985 .997 / .997 .999 .982, local .997 .998 .986
      / .989 1.000 .989; plateau gate on the clean training loss: max fall 0.035 (0.054 at 30 epochs);
      on the mixed-label loss up to 0.168 (λ noise, see ``checks.claim_11_task_dependence.gated_curves``);
      HMix global .985 .987 .972, local .992 .998 .986; GMix global .996 .998 .989, local .992 .999 .985;
      their clean-loss falls 0.001-0.027;
    - mechanism, A 0.3: global 30 epochs .95-.97 / .96-.98 with objective falls 0.053-0.070 (gate FAIL),
      40 epochs falls 0.040-0.052, local 40 epochs up to 0.067; 60 epochs global .990 .996 .992 /
      .996 .996 .995, local .997 1.000 1.000 / .999 1.000 .999, falls 0.001-0.028 (seeds 100-102): the
      mechanism version trains 60 epochs (``task_mechanism``).

    So A = 0.3: every pilot seed learns both tasks (≥ 0.93 at 30 epochs, ≥ 0.98 at 40) while Mixup and
    CutMix still differ by 1-6 pp on the global task at 30 epochs; A 0.4 and above saturate. Cost (one
    thread, loaded machine, CPU time): 6.0-7.9 s per mixing run at 40 epochs → 12 seeds × 4 families × 2
    tasks ≈ 10-13 min; 18.3 s per mechanism run at 60 epochs → 12 × 2 × 2 ≈ 15 min.

    Evidence 60 epochs since the 12-seed run at 40 (results of d16fd5f): there the mixing version's plateau
    gate read 0.084 (CutMix, global, seed 6; HMix seed 0 0.059), over its 0.05. Pilot (seeds 100-103 again,
    ``--version mixing --task T --epochs 60 --strategies mixup cutmix hmix gmix``), test accuracy / clean-loss
    fall per seed: global Mixup .999 .997 .999 1.000 /
    .014 .015 .007 .001, CutMix 1.000 1.000 .999 1.000 / .006 .002 .018 .004, HMix .999 .997 .996 1.000 / .007
    .006 .011 .008, GMix 1.000 .999 .999 1.000 / .002 .007 .002 .001; local Mixup .997 1.000 .994 .999 / .008
    .006 .007 .010, CutMix .996 1.000 .996 1.000 / .016 .011 .010 .012, HMix .996 1.000 .993 .999 / .002 .010
    .010 .011, GMix .995 1.000 .993 .999 / .002 .012 .006 .006. 9-13 s per run → 12 × 4 × 2 runs ≈ 16-20 min.

    Evidence 150 training images and 200 epochs since the 60-epoch run (results of 251af95): there every mean
    accuracy was 98.6-99.9%, so no interaction of the 2 pp margin could show (largest possible 1.9 pp mixing,
    0.4 pp mechanism), and the mixing plateau gate read 0.080. Pilot, seeds 100-103,
    ``benchmarks/results/pilot_task_small_n.txt``: with 150 images, 200 epochs, global Mixup .953 .979 .869 .970,
    CutMix .955 .992 .944 .989, local Mixup .983 .988 .967 .990, CutMix .983 .998 .978 .992 (headroom ≥ 5 pp);
    clean-loss falls ≤ 0.039. Per-seed Δ spread (pilot, 150 epochs) ≈ 1.4 pp global, 0.8 pp local → SE of the
    interaction ≈ 0.5 pp with 12 seeds, MDE ≈ 1.4 pp < the 2 pp margin.
    """
    check_preset(preset)
    train = {"data": "synthetic", "model": "cnn", "optimizer": "adam", "lr": 2e-3, "batch_size": 64}
    epochs, n_train, seeds = {"tiny": (2, 200, (0, 1)), "quick": (12, 1000, (0, 1, 2)),
                              "evidence": (200, 150, tuple(range(12)))}[preset]
    return {"train": {**train, "epochs": epochs}, "data": "digits", "size": 8, "n_train": n_train,
            "n_test": 1000, "seeds": seeds, "task_params": {"local": {}, "global": {"amplitude": GLOBAL_AMPLITUDE}}}


def task_mechanism(preset: str) -> dict[str, Any]:
    """Claim 11, mechanism version: the tasks, sizes, seeds and epochs of ``task`` trained on L_std + R2 with
    Mixup's or CutMix's a, A (``experiments.mechanism.OBJECTIVES``).

    L_std + R1 + R2 until the 12-seed run (results of d16fd5f, 60 epochs): that objective is unbounded below for
    cross-entropy, and 2 of the 12 Mixup runs on the local task found the direction (objective −14 and −27, test
    accuracy 0.500 and 0.501). R2 ≥ 0 carries the a_pq contrast the row tests (R1 weighs pixels by a_p alone: 1/3
    for Mixup, 0.26-0.34 for CutMix on 8×8). Pilot, seeds 100-103, 60 epochs, ``--version mechanism --objective
    explicit-r2 --task T --epochs 60``, test accuracy / objective fall per seed: local Mixup .997 1.000 .997 .999 / .009
    .002 .011 .008, CutMix .999 1.000 1.000 .999 / .012 .001 .017 .016; global Mixup .999 1.000 .997 1.000 / .011
    .006 .009 .001, CutMix .999 1.000 .999 1.000 / .015 .009 .012 .001; 19-24 s per run → 12 × 2 × 2 ≈ 17 min.

    Evidence 300 epochs with ``task``'s 150 images (pilot above, 200 epochs: test accuracy global Mixup .939 .984
    .958 .971, CutMix .978 .985 .962 .980, local Mixup .984 .997 .982 .990, CutMix .985 .998 .984 .992; objective
    falls ≤ 0.038 except 0.056 (CutMix, local, seed 102): 300 epochs, not piloted, for that curve).
    """
    config = task(preset)
    epochs = 300 if preset == "evidence" else config["train"]["epochs"]
    return {**config, "train": {**config["train"], "epochs": epochs}, "objective": "explicit-r2"}


def cost(preset: str) -> dict[str, Any]:
    """Claim 12a: interleaved epoch timings; ``repeats`` rounds."""
    check_preset(preset)
    train = {"data": "digits", "model": "cnn", "optimizer": "adam", "lr": 2e-3, "batch_size": 64}
    return {"train": train, "repeats": {"tiny": 2, "quick": 5, "evidence": 9}[preset]}


__all__ = ["ATTACK_NAMES", "DERIVED_FAMILIES", "FASHION_HINT", "FIRST_FORMAT_PARAMETERS", "NeedsData", "PRESETS", "bound",
           "check_preset", "cost", "estimators", "first_layer_identity", "identity", "profiles", "ratio", "task",
           "task_mechanism", "taylor", "tracking", "trained_models", "weights_agreement", "weights_agreement_seed"]
