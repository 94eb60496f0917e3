"""Probes of the theory: experiments on trained models that test docs/theory.md sections 7-9.

- ``first_layer_probe``: tr(W (A ⊙ Σ) Wᵀ) per trained model × strategy, filter spectra (section 7).
- ``bound_terms``: second-order MSDA versus adversarial loss of logistic regression (claim 10).
- ``task_dependence_probe``: a local and a global synthetic task, Mixup versus CutMix (claim 11).
- ``linear_generalization`` / ``gap_table``: train–test gap and θᵀ(A ⊙ Σ)θ (section 8).
- ``cost_probe`` / ``accuracy_comparison``: HMix and GMix against Mixup and CutMix (claim 12).
- ``t_interval`` / ``paired_difference``: 95% t-intervals over seeds.
"""
from msda_theory.probes.adversarial_bound import BoundTerms, adversarial_loss_2nd, bound_terms, msda_regularizers
from msda_theory.probes.cost import accuracy_comparison, cost_probe
from msda_theory.probes.first_layer import (first_layer_gram, first_layer_matrix, first_layer_penalty,
                                            first_layer_probe, radial_spectrum)
from msda_theory.probes.generalization import capacity, gap_table, linear_generalization
from msda_theory.probes.logistic import binary_task, train_logistic
from msda_theory.stats import Interval, paired_difference, t_interval
from msda_theory.probes.task_dependence import task_dependence_probe
from msda_theory.probes.tasks import global_task, local_task, make_task

__all__ = [
    "BoundTerms", "Interval", "accuracy_comparison", "adversarial_loss_2nd", "binary_task",
    "bound_terms", "capacity", "cost_probe", "first_layer_gram", "first_layer_matrix", "first_layer_penalty",
    "first_layer_probe", "gap_table", "global_task", "linear_generalization", "local_task", "make_task",
    "msda_regularizers", "paired_difference", "radial_spectrum", "t_interval",
    "task_dependence_probe", "train_logistic",
]
