"""Probes of the theory: experiments on trained models that test docs/theory.md sections 7-9.

- ``first_layer_penalty`` / ``radial_spectrum``: tr(W (A ⊙ Σ) Wᵀ) of a trained first layer, filter spectra (section 7).
- ``bound_terms``: second-order MSDA versus adversarial loss of logistic regression (claim 10).
- ``task_dependence_probe``: a local and a global synthetic task, Mixup versus CutMix (claim 11).
- ``linear_generalization``: train–test gap and θᵀ(A ⊙ Σ)θ (section 8).
- ``cost_probe``: per-epoch and mixing time of HMix and GMix against Mixup and CutMix (claim 12a).
"""
from msda_theory.probes.adversarial_bound import BoundTerms, adversarial_loss_2nd, bound_terms, msda_regularizers
from msda_theory.probes.cost import cost_probe
from msda_theory.probes.first_layer import (first_layer_gram, first_layer_matrix, first_layer_penalty,
                                            radial_spectrum)
from msda_theory.probes.generalization import capacity, linear_generalization
from msda_theory.probes.logistic import binary_task, train_logistic
from msda_theory.probes.task_dependence import task_dependence_probe
from msda_theory.probes.tasks import global_task, local_task, make_task

__all__ = [
    "BoundTerms", "adversarial_loss_2nd", "binary_task",
    "bound_terms", "capacity", "cost_probe", "first_layer_gram", "first_layer_matrix", "first_layer_penalty",
    "global_task", "linear_generalization", "local_task", "make_task",
    "msda_regularizers", "radial_spectrum",
    "task_dependence_probe", "train_logistic",
]
