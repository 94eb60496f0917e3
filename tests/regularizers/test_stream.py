"""decompose streamed within a memory budget (issue 13) and its refusals (issue 10)."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from msda_theory import masks
from msda_theory.regularizers import MaskSet, decompose, get_loss
from msda_theory.regularizers.decompose import sampled_terms
from msda_theory.regularizers.derivatives import as_rows
from msda_theory.regularizers.stream import STREAMS, evaluations_per_call, saved_bytes, streamed_terms

H = W = 4


def setup(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, MaskSet, nn.Module]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(7, 1, H, W, generator=g, dtype=torch.float64)
    y = torch.randint(3, (7,), generator=g)
    mask_set = MaskSet(masks.CutMix().sample(5, (H, W), generator=g, dtype=torch.float64)[0])
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Flatten(), nn.Linear(H * W, 6), nn.Tanh(), nn.Linear(6, 3)).double()
    return x, y, mask_set, model


def test_tiny_budget_streams_one_anchor_at_a_time_with_the_same_exact_result() -> None:
    # Exact enumeration has no randomness: chunking must not change the sums (up to rounding).
    x, y, mask_set, model = setup()
    big = decompose(model, x, y, mask_set, estimator="direct", n_masks="all", partners="all")
    small = decompose(model, x, y, mask_set, estimator="direct", n_masks="all", partners="all", memory_budget=1)
    assert small.config["evaluations_per_call"] == 1 < big.config["evaluations_per_call"]
    for key in ("l_std", "r1", "r2", "r3", "l_msda", "remainder"):
        assert getattr(small, key) == pytest.approx(getattr(big, key), rel=1e-12, abs=1e-14)


def test_sampled_draws_same_seed_same_result_and_se_from_the_spread() -> None:
    x, y, _, model = setup(1)
    kw = dict(estimator="direct", n_masks=8, memory_budget=10**5)
    a = decompose(model, x, y, masks.HMix(), generator=torch.Generator().manual_seed(3), **kw)
    b = decompose(model, x, y, masks.HMix(), generator=torch.Generator().manual_seed(3), **kw)
    assert a.as_dict() == b.as_dict()
    assert 0 < a.r1_se < float("inf") and 0 < a.l_msda_se < float("inf")


def test_evaluations_follow_the_budget() -> None:
    x, _, _, model = setup()
    per_image = saved_bytes(model, x[:2]) - saved_bytes(model, x[:1])
    assert per_image > 0
    budget = 1000 * (STREAMS * per_image + 4 * x[0].numel() * 8)
    assert evaluations_per_call(model, x, budget, cap=10**9) == 1000
    assert evaluations_per_call(model, x, budget, cap=64) == 64


class Detached(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)[:, :3].detach() * 2.0


def test_model_without_input_gradient_is_refused() -> None:
    x, y, mask_set, _ = setup()
    with pytest.raises(ValueError, match=r"the model's output has no gradient with respect to its input"):
        decompose(Detached(), x, y, mask_set, estimator="direct", n_masks="all")


@pytest.mark.parametrize("budget", [0, -5, 2.5, True, "2GB"])
def test_bad_memory_budget(budget: object) -> None:
    x, y, mask_set, model = setup()
    with pytest.raises(ValueError, match=r"memory_budget must be a positive number of bytes, got"):
        decompose(model, x, y, mask_set, memory_budget=budget)


def test_sampled_terms_and_streamed_terms_share_one_chunk_loop() -> None:
    # Same generator, same chunks (3 anchors x 4 draws at 12 evaluations per call): the same draws, so the
    # kept unit values (sampled_terms) reduce to the streamed per-anchor statistics. The chunking does
    # decide which draw goes to which anchor (last line), so the two agree only through one loop.
    x, y, _, model = setup(2)
    ce = get_loss("ce")
    f, rows = as_rows(model, ce), F.one_hot(y, 3).double()
    kw = dict(n_masks=4, partners="sample", derivatives=True)
    kept = sampled_terms(f, ce, x, rows, x, masks.CutMix(), batch_size=12, generator=torch.Generator().manual_seed(4), **kw)
    stats, l_std = streamed_terms(f, ce, x, rows, x, masks.CutMix(), evaluations=12,
                                  generator=torch.Generator().manual_seed(4), **kw)
    one_chunk = sampled_terms(f, ce, x, rows, x, masks.CutMix(), batch_size=1000,
                              generator=torch.Generator().manual_seed(4), **kw)
    assert kept["loss"].shape == (1, 4, 7) and kept["first"].shape == (4, 7)
    torch.testing.assert_close(l_std, kept["l_std"], rtol=0, atol=0)
    torch.testing.assert_close(stats["loss"].mean, kept["loss"][0].mean(0), rtol=1e-12, atol=1e-14)
    for key in ("first", "second_gn", "second_h"):
        torch.testing.assert_close(stats[key].mean, kept[key].mean(0), rtol=1e-12, atol=1e-14)
        torch.testing.assert_close(stats[key].var, kept[key].var(0), rtol=1e-12, atol=1e-14)
    assert not torch.allclose(one_chunk["first"], kept["first"])  # one chunk draws in another order
