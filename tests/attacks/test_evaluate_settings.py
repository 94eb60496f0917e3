"""evaluate_robustness's settings object: the same dict by settings= or by keywords, overrides, unknown keywords."""
from __future__ import annotations

import pytest
import torch

from msda_theory.attacks import AttackSettings, evaluate_robustness
from msda_theory.attacks.settings import with_overrides


def _run(trained_mlp, **kwargs):
    model, x, y = trained_mlp
    return evaluate_robustness(model, x, y, [0, 0.05, 0.2], n=60, batch_size=25, **kwargs)


def test_settings_object_and_keywords_give_the_same_dict(trained_mlp) -> None:
    by_keywords = _run(trained_mlp, norm="l2", steps=3, step_size=0.04, restarts=2,
                       generator=torch.Generator().manual_seed(5))
    settings = AttackSettings(norm="l2", steps=3, step_size=0.04, restarts=2, generator=torch.Generator().manual_seed(5))
    by_settings = _run(trained_mlp, settings=settings)
    assert by_settings == by_keywords
    assert by_settings["norm"] == "l2" and by_settings["steps"] == 3 and by_settings["restarts"] == 2


def test_a_keyword_overrides_the_settings_field(trained_mlp) -> None:
    base = AttackSettings(norm="l2", steps=7, generator=torch.Generator().manual_seed(1))
    mixed = _run(trained_mlp, settings=base, steps=2)
    plain = _run(trained_mlp, norm="l2", steps=2, generator=torch.Generator().manual_seed(1))
    assert mixed == plain and mixed["steps"] == 2
    assert base.steps == 7  # the caller's settings object is not changed


def test_an_unknown_keyword_names_the_valid_ones(trained_mlp) -> None:
    with pytest.raises(TypeError, match=r"unknown attack settings \['stepz'\]; valid: norm, bounds, steps, "
                                        r"step_size, restarts, random_start, generator"):
        _run(trained_mlp, stepz=3)


def test_settings_must_be_attack_settings() -> None:
    with pytest.raises(TypeError, match="settings must be an AttackSettings, got dict"):
        with_overrides({"norm": "l2"}, {})  # type: ignore[arg-type]


def test_without_overrides_the_settings_object_is_used_as_given() -> None:
    settings = AttackSettings(norm="l2")
    assert with_overrides(settings, {}) is settings and with_overrides(None, {}) == AttackSettings()
