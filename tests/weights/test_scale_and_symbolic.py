"""The 224 x 224 exact profile (time) and the continuum torus limit (docs/theory.md section 6)."""
from __future__ import annotations

import time

import pytest
import torch

from msda_theory import masks
from msda_theory.weights import pair_weights
from msda_theory.weights import symbolic


@pytest.fixture
def one_thread():
    """Time single-threaded: on a loaded 2-core machine, 2 BLAS threads spin-wait and swamp the measurement."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def test_profile_without_matrix_light(one_thread: None) -> None:
    got = pair_weights(masks.HMix(alpha=1.0, r=0.5), (96, 80))
    prof = got.profile("euclidean")
    assert int(prof.count.sum()) == (96 * 80) ** 2
    assert torch.all(prof.mean > 0)


@pytest.mark.slow
@pytest.mark.parametrize("sampler", [masks.CutMix(alpha=1.0), masks.HMix(alpha=1.0, r=0.5)], ids=str)
def test_profile_224_under_10s(sampler: object, one_thread: None) -> None:
    start = time.perf_counter()
    got = pair_weights(sampler, (224, 224))
    prof = got.profile("chebyshev")
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, elapsed
    assert prof.distance.numel() == 224


def test_cutmix_formula_is_the_piecewise_evaluation() -> None:
    expr = symbolic.cutmix_torus_formula(alpha=1)
    for dy, dx in [(0.3, 0.1), (0.5, 0.5), (0.2, 0.0), (0.45, 0.44)]:
        value = float(expr.subs({symbolic.DY: dy, symbolic.DX: dx}))
        assert value == pytest.approx(symbolic.torus_weight("cutmix", dy, dx), abs=1e-13)
    # at offset 0, a_pp = a_p = E[2 t^2 - 2 t^4] with t^2 = 1 - lam, lam ~ U(0, 1): 2/2 - 2/3 = 1/3
    assert symbolic.torus_weight("cutmix", 0.0, 0.0) == pytest.approx(1 / 3, abs=1e-14)


def test_discrete_torus_converges_to_continuum() -> None:
    errors = symbolic.torus_convergence("cutmix", sizes=(8, 16, 32))
    assert errors[32] < errors[16] < errors[8] and errors[32] < 0.02
    hmix = symbolic.torus_convergence("hmix", sizes=(8, 32), r=0.5)
    assert hmix[32] < hmix[8] and hmix[32] < 0.015


def test_symbolic_input_errors() -> None:
    with pytest.raises(ValueError, match="needs an integer alpha >= 1"):
        symbolic.torus_weight("cutmix", 0.1, 0.1, alpha=0.5)
    with pytest.raises(ValueError, match="kind must be 'cutmix' or 'hmix'"):
        symbolic.torus_weight("gmix", 0.1, 0.1)
