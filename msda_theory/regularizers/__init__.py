"""MSDA as a regularizer: L_msda = L_std + R1 + R2 + R3 + remainder (theory.md sections 3-5, 7).

- ``decompose``: every term, by the moment form (pixel weights a, A times data
  moments) or the direct form (averages over draws of mask and partner);
- ``taylor_scan``: the terms for the scaled perturbation x_i + t delta;
- ``first_layer_r2``: R2 through the first layer's weights (section 7);
- ``mask_set_moments``, ``MaskSet``, ``pixel_weights``: the weights a, A.
"""
from msda_theory.regularizers.decompose import Decomposition, decompose
from msda_theory.regularizers.first_layer import first_layer_matrix, first_layer_r2
from msda_theory.regularizers.losses import LOSSES, GLMLoss, get_loss
from msda_theory.regularizers.mask_moments import MaskSet, PixelWeights, mask_set_moments, pixel_weights
from msda_theory.regularizers.moments import DataMoments, data_moments
from msda_theory.regularizers.taylor import loglog_slope, taylor_scan

__all__ = [
    "DataMoments",
    "Decomposition",
    "GLMLoss",
    "LOSSES",
    "MaskSet",
    "PixelWeights",
    "data_moments",
    "decompose",
    "first_layer_matrix",
    "first_layer_r2",
    "get_loss",
    "loglog_slope",
    "mask_set_moments",
    "pixel_weights",
    "taylor_scan",
]
