"""decompose's settings object: the same terms by settings= or by keywords, overrides, validation in one place."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from msda_theory import masks
from msda_theory.regularizers import DecomposeSettings, decompose
from msda_theory.regularizers.settings import check_options, with_overrides


def setup() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(4, 1, 4, 4, generator=g, dtype=torch.float64), torch.randint(3, (4,), generator=g)
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 5), nn.Tanh(), nn.Linear(5, 3)).double(), x, y


def run(**kwargs) -> dict:
    model, x, y = setup()
    return decompose(model, x, y, masks.CutMix(), generator=torch.Generator().manual_seed(3), **kwargs).as_dict()


def test_settings_object_and_keywords_give_the_same_terms() -> None:
    by_keywords = run(estimator="direct", n_masks=6, batch_size=3, memory_budget=2**20)
    by_settings = run(settings=DecomposeSettings(estimator="direct", n_masks=6, batch_size=3, memory_budget=2**20))
    assert by_settings == by_keywords and by_settings["config"]["n_masks"] == 6


def test_a_keyword_overrides_the_settings_field() -> None:
    base = DecomposeSettings(estimator="direct", n_masks=40)
    assert run(settings=base, n_masks=5) == run(estimator="direct", n_masks=5)
    assert base.n_masks == 40  # the caller's settings object is not changed


def test_an_unknown_keyword_names_the_valid_ones() -> None:
    with pytest.raises(TypeError, match=r"unknown decompose settings \['masks'\]; valid: estimator, weights, "
                                        r"n_masks, partners, weight_samples, batch_size, memory_budget"):
        run(masks=5)


def test_settings_must_be_decompose_settings() -> None:
    with pytest.raises(TypeError, match="settings must be a DecomposeSettings, got dict"):
        with_overrides({"estimator": "direct"}, {})  # type: ignore[arg-type]


@pytest.mark.parametrize("field,value,message", [
    ("estimator", "taylor", r"estimator must be one of \('auto', 'moment', 'direct'\), got 'taylor'"),
    ("partners", "some", r"partners must be one of .*, got 'some'"),
    ("n_masks", 0, r"n_masks must be a positive integer or 'all', got 0"),
    ("batch_size", True, r"batch_size must be a positive integer, got True"),
    ("memory_budget", 0, r"memory_budget must be a positive number of bytes, got 0"),
])
def test_check_options_refuses_each_bad_field(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_options(masks.CutMix(), DecomposeSettings(**{field: value}))
