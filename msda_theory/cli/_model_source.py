"""A model given on the command line as ``--model package.module:function`` with an optional ``--model-weights FILE``.

FILE is a state dict saved with ``torch.save(model.state_dict(), FILE)`` or a
msda_theory ``checkpoint.pt`` (its ``model`` entry); it is read with
``weights_only=True``. ``--preprocessing MEAN,..:STD,..`` gives the per-channel
normalisation the model expects (the attack stays in pixel space).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import torch
from torch import nn

from msda_theory.models import from_factory


def parse_preprocessing(text: str | None) -> tuple[list[float], list[float]] | None:
    """'0.5,0.5,0.5:0.25,0.25,0.25' -> ([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]); None stays None."""
    if text is None:
        return None
    mean_text, sep, std_text = text.partition(":")
    try:
        mean = [float(v) for v in mean_text.split(",") if v.strip()]
        std = [float(v) for v in std_text.split(",") if v.strip()]
    except ValueError:
        mean = std = []
    if not sep or not mean or len(mean) != len(std) or not all(math.isfinite(v) for v in mean + std):
        raise ValueError(f"--preprocessing must look like MEAN,..:STD,.. with as many finite stds as means, "
                         f"got {text!r}")
    return mean, std


def _state_dict(weights: str) -> dict[str, Any]:
    """The state dict in FILE: the file itself, or the ``model`` entry of a msda_theory checkpoint."""
    path = Path(weights)
    if not path.is_file():
        raise FileNotFoundError(f"no weights file at {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # damaged or foreign files raise many types
        raise ValueError(f"cannot read --model-weights {path}: {type(err).__name__}: {' '.join(str(err).split())[:160]}") \
            from None
    if isinstance(state, dict) and "format" in state and isinstance(state.get("model"), dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"--model-weights {path} holds no state dict (name -> tensor)")
    return state


def user_model(spec: str, weights: str | None) -> nn.Module:
    """``models.from_factory(spec)`` in eval mode, with the weights of ``weights`` loaded when given."""
    model = from_factory(spec)
    if weights is not None:
        try:
            model.load_state_dict(_state_dict(weights))
        except RuntimeError as err:
            raise ValueError(f"--model-weights {weights} do not fit the model of {spec}: "
                             f"{' '.join(str(err).split())[:200]}") from None
    return model.eval()


__all__ = ["parse_preprocessing", "user_model"]
