"""Large alpha: the exact weights stay finite and match Monte Carlo (issue 10, item 4).

B(a, a) underflows to 0 for a = 1000, so a plain ratio of Beta functions is 0/0;
the weights take it in log space (betaln). Tolerance: z = 5 Monte Carlo standard
errors, SE = std(v, ddof=1) / sqrt(n) per entry (as in test_exact_vs_mc).
"""
from __future__ import annotations

import json
import math

import pytest
import torch

from msda_theory import masks
from msda_theory.cli import main
from msda_theory.weights import pair_weights

Z = 5.0


@pytest.mark.parametrize("sampler", [masks.CutMix(alpha=1000.0), masks.HMix(alpha=1000.0, r=0.5),
                                     masks.GMix(alpha=1000.0)], ids=str)
def test_alpha_1000_is_finite_and_matches_mc(sampler: object) -> None:
    exact = pair_weights(sampler, (6, 7))
    mc = pair_weights(sampler, (6, 7), method="mc", n_samples=4000, generator=torch.Generator().manual_seed(5))
    for got, est, se in ((exact.a_p, mc.a_p, mc.a_p_se), (exact.a_pq, mc.a_pq, mc.a_pq_se)):
        assert torch.isfinite(got).all()
        assert float(((got - est).abs() - Z * se).max()) <= 1e-12


def test_cli_alpha_1000_writes_finite_json(tmp_path, capsys) -> None:
    out = tmp_path / "w.json"
    assert main(["weights", "--strategy", "cutmix", "--alpha", "1000", "--size", "8x8", "--json", str(out)]) == 0
    payload = json.loads(out.read_text(), parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
    assert all(math.isfinite(v) for row in payload["a_p"] for v in row)
    assert all(math.isfinite(v) for v in payload["profile"]["mean"])
