"""The official-semantics timing baseline mixes as docs/theory.md section 2 says, and the bench times it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from msda_theory.bench.mix_cost import run_benchmark
from msda_theory.bench.official import FAMILIES, official_style_mix


@pytest.mark.parametrize("family", FAMILIES)
def test_output_is_one_mask_mixing_each_image_with_its_flip_and_labels_carry_its_mean(family: str) -> None:
    np.random.seed(3)
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        x = torch.rand(4, 2, 12, 12, generator=g, dtype=torch.float64)
        y = torch.tensor([0, 1, 2, 3])
        out, rows = official_style_mix(x.clone(), y, family, 5)
        f = x.flip(0)
        # the one mask that best explains out = M x + (1 - M) flip(x) over the batch and channels (least squares)
        mask = ((out - f) * (x - f)).sum((0, 1)) / ((x - f) ** 2).sum((0, 1))
        assert torch.allclose(mask * x + (1 - mask) * f, out, atol=1e-6)  # float32 kernels, as in the official code
        assert float(mask.min()) >= -1e-9 and float(mask.max()) <= 1 + 1e-9
        lam = float(mask.mean())
        expected = lam * torch.eye(5, dtype=torch.float64)[y] + (1 - lam) * torch.eye(5, dtype=torch.float64)[y.flip(0)]
        assert torch.allclose(rows.double(), expected, atol=1e-6)
        if family == "cutmix":
            assert set(mask.round().unique().tolist()) <= {0.0, 1.0}


def test_gmix_baseline_refuses_non_square_images() -> None:
    with pytest.raises(ValueError, match="square images only"):
        official_style_mix(torch.rand(2, 1, 4, 6), torch.tensor([0, 1]), "gmix", 2)
    with pytest.raises(ValueError, match="family must be one of"):
        official_style_mix(torch.rand(2, 1, 4, 4), torch.tensor([0, 1]), "fmix", 2)


def test_benchmark_times_mix_against_the_baseline_by_family() -> None:
    result = run_benchmark([(2, 1, 4, 4)], families=["mixup", "cutmix", "fmix"], modes=["batch"], repeats=1,
                           progress=False, baseline=True)
    rows = {(r["family"], r["mode"]): r for r in result["rows"]}
    assert result["clock"] == "process CPU time"
    for family in ("mixup", "cutmix"):
        official = rows[(f"{family} (official)", "batch")]["median_s"]
        for mode in ("batch", "batch, in place"):
            r = rows[(family, mode)]
            assert r["ratio_to_official"] == pytest.approx(r["median_s"] / official)
    assert "ratio_to_official" not in rows[("fmix", "batch")] and ("fmix (official)", "batch") not in rows
