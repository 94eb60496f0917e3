"""The attack registry: one signature, dispatch from evaluate_robustness, one entry adds an attack."""
from __future__ import annotations

import pytest
import torch

from msda_theory.attacks import ATTACKS, Attack, AttackSettings, evaluate_robustness, fgsm, get_attack, pgd
from msda_theory.attacks.fgsm import fgsm_attack
from msda_theory.attacks.pgd import pgd_attack
from msda_theory.attacks.settings import AttackRun


def test_the_registry_entry_is_the_attack() -> None:
    assert list(ATTACKS) == ["fgsm", "pgd"] and get_attack("pgd").iterative and not get_attack("fgsm").iterative
    assert get_attack("fgsm").run is fgsm_attack and get_attack("pgd").run is pgd_attack


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_registered_attacks_equal_the_convenience_functions(trained_mlp, norm) -> None:
    model, x, y = trained_mlp
    x, y = x[:20], y[:20]
    settings = AttackSettings(norm=norm, steps=3, restarts=2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(ATTACKS["fgsm"](model, x, y, 0.3, settings).x_adv, fgsm(model, x, y, 0.3, norm=norm))
    registered = ATTACKS["pgd"](model, x, y, 0.3, settings).x_adv
    convenience = pgd(model, x, y, 0.3, norm=norm, steps=3, restarts=2, generator=torch.Generator().manual_seed(0))
    assert torch.equal(registered, convenience)
    other_seed = pgd(model, x, y, 0.3, norm=norm, steps=3, restarts=2, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(registered, other_seed)  # the generator is passed through, not ignored


@pytest.fixture
def do_nothing():
    """A registered attack that returns x unchanged (accuracy under it is the clean accuracy)."""
    ATTACKS["nothing"] = Attack(lambda model, x, y, eps, s: AttackRun(x.clone(), torch.zeros(len(x), dtype=torch.bool)))
    yield
    del ATTACKS["nothing"]


def test_one_registry_entry_adds_an_attack_to_evaluate_robustness(trained_mlp, do_nothing) -> None:
    model, x, y = trained_mlp
    result = evaluate_robustness(model, x, y, [0.0, 0.1, 0.5], attack="nothing", n=100)
    assert result["attack"] == "nothing" and result["steps"] == 1 and result["random_start"] is False
    assert result["correct"] == [result["correct"][0]] * 3
    fgsm_result = evaluate_robustness(model, x, y, [0.0, 0.5], attack="fgsm", n=100)
    assert fgsm_result["correct"][1] < result["correct"][2]  # the registry dispatches: FGSM does hurt


def test_unknown_attack_names_the_registered_ones() -> None:
    with pytest.raises(ValueError, match=r"attack must be 'fgsm' or 'pgd', got 'cw'"):
        get_attack("cw")
