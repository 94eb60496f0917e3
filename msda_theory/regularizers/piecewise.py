"""Whether a model is piecewise linear in its input, so that R3 is 0 almost everywhere (docs/theory.md section 4).

R3 = E[sum_c e_ic delta^T H_ic delta] / 2 needs the input Hessians H_ic of the
outputs. A network built only of affine maps (Linear, Conv, batch norm in eval
mode, average pooling) and piecewise-linear ones (ReLU, LeakyReLU, max pooling)
has H_ic = 0 wherever it is differentiable, i.e. almost everywhere: R3 = 0 and
the whole curvature of the loss sits in R2 and the remainder. The test is on the
module tree: every module is one of those, a ``Sequential``, or one of the
package's architectures whose forward only composes and adds its submodules. A
user's module with its own ``forward`` is not judged (it may call a smooth
function directly), so the answer is then False.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from msda_theory import models

PIECEWISE_LINEAR: tuple[type[nn.Module], ...] = (
    nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ReLU, nn.LeakyReLU, nn.ReLU6, nn.Hardtanh, nn.PReLU,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d,
    nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.BatchNorm1d, nn.BatchNorm2d,
    nn.BatchNorm3d, nn.Flatten, nn.Identity, nn.Dropout, nn.Sequential,
)
COMPOSING: tuple[type[nn.Module], ...] = (models.LinearModel, models.MLP, models.CNN, models.BasicBlock,
                                          models.ResNet)
NOTE = ("the model is piecewise linear (only {kinds}): R3 = 0 almost everywhere, and the curvature of the "
        "loss is in R2 and the remainder")


def is_piecewise_linear(model: Any) -> bool:
    """True when every module of ``model`` is affine, piecewise linear or a composition of those (see above)."""
    if not isinstance(model, nn.Module):
        return False
    return all(type(m) in PIECEWISE_LINEAR or type(m) in COMPOSING for m in model.modules())


def piecewise_note(model: Any) -> str | None:
    """The note on R3 for a piecewise-linear model (naming its module kinds), else None."""
    if not is_piecewise_linear(model):
        return None
    kinds = sorted({type(m).__name__ for m in model.modules() if type(m) in PIECEWISE_LINEAR} - {"Sequential"})
    return NOTE.format(kinds=", ".join(kinds))
