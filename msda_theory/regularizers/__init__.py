"""MSDA as a regularizer: L_msda = L_std + R1 + R2 + R3 + remainder (docs/theory.md sections 3-5, 7).

- ``decompose``: every term, by the moment form (pixel weights a, A times data
  moments) or the direct form (averages over draws of mask and partner), its
  estimation choices and budget in a ``DecomposeSettings``;
- ``taylor_scan``: the terms for the scaled perturbation x_i + t delta;
- ``first_layer_r2``: R2 through the first layer's weights (section 7);
- ``DataMoments``, ``data_moments``: mu, Sigma, C_i of the partner images.

The pixel weights a, A come from ``msda_theory.weights`` (``pair_weights``,
``MaskSet``); ``MaskSet`` is re-exported here for the finite laws of ``decompose``.
"""
from msda_theory.regularizers.data_moments import DataMoments, data_moments
from msda_theory.regularizers.decompose import Decomposition, decompose
from msda_theory.regularizers.first_layer_form import first_layer_matrix, first_layer_r2
from msda_theory.regularizers.losses import LOSSES, GLMLoss, get_loss
from msda_theory.regularizers.settings import DecomposeSettings
from msda_theory.regularizers.taylor import loglog_slope, taylor_scan
from msda_theory.weights import MaskSet

__all__ = [
    "DataMoments",
    "DecomposeSettings",
    "Decomposition",
    "GLMLoss",
    "LOSSES",
    "MaskSet",
    "data_moments",
    "decompose",
    "first_layer_matrix",
    "first_layer_r2",
    "get_loss",
    "loglog_slope",
    "taylor_scan",
]
