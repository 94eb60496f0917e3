"""Check 4 runs and holds in quick mode; track_approximation records every epoch."""
from __future__ import annotations

import torch

from msda_theory import masks, models
from msda_theory.checks import CheckContext, all_checks
from msda_theory.regularizers import track_approximation


def test_exact_identity_check_holds() -> None:
    checks = {c.id: c for c in all_checks()}
    for cid in ("4",):
        m = checks[cid].func(CheckContext(quick=True))
        assert m.verdict == "holds", m.value


def test_track_approximation_records_each_epoch() -> None:
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(32, 1, 8, 8, generator=g), torch.randint(3, (32,), generator=g)
    torch.manual_seed(0)
    model = models.build("mlp", (1, 8, 8), 3, activation="softplus")
    r = track_approximation(model, x, y, masks.get("cutmix"), num_classes=3, eval_x=x[:8], eval_y=y[:8], epochs=2,
                            n_masks=4)
    assert len(r["l_msda"]) == 3 and len(r["relative_gap"]) == 3
    assert max(abs(v) for v in r["relative_gap"]) < 0.05
