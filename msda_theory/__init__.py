"""msda_theory: mixed sample data augmentation as a loss-function regularizer.

Park, Yun & Chun, "A Unified Analysis of Mixed Sample Data Augmentation: A Loss
Function Perspective" (NeurIPS 2022). The notation follows docs/theory.md.
"""
from msda_theory import masks
from msda_theory.data import load
from msda_theory.masks import CutMix, FMix, GMix, HMix, MaskSampler, Mixup
from msda_theory.mix import MixAugment, MixCollate, MixRecord, mix, soft_labels
from msda_theory.regularizers import decompose, first_layer_r2, taylor_scan
from msda_theory.weights import pair_weights, strategy_weights

__version__ = "0.1.0"

__all__ = [
    "CutMix",
    "FMix",
    "GMix",
    "HMix",
    "MaskSampler",
    "MixAugment",
    "MixCollate",
    "MixRecord",
    "Mixup",
    "decompose",
    "first_layer_r2",
    "load",
    "masks",
    "mix",
    "pair_weights",
    "soft_labels",
    "strategy_weights",
    "taylor_scan",
]
# Heavier parts are imported as modules: msda_theory.attacks, .train, .models, .experiments, .checks, .figures.
