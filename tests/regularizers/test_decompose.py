"""decompose: the exact identity (section 5), moment = direct (section 4), input checks."""
from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from msda_theory import masks
from msda_theory.mix import mix
from msda_theory.regularizers import MaskSet, decompose, get_loss

N, C, H, W = 5, 2, 4, 5


def data(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(N, C, H, W, generator=g, dtype=torch.float64), torch.randint(3, (N,), generator=g)


def mask_set(family: str, s: int = 6) -> MaskSet:
    g = torch.Generator().manual_seed(1)
    return MaskSet(masks.get(family).sample(s, (H, W), generator=g, dtype=torch.float64)[0])


def smooth_net(k: int = 3) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(C, 3, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(3 * H * W, 6),
                         nn.Softplus(), nn.Linear(6, k)).double().eval()


@pytest.mark.parametrize("family", list(masks.FAMILIES))
@pytest.mark.parametrize("estimator", ["moment", "direct"])
def test_exact_identity_squared_loss_affine(family: str, estimator: str) -> None:
    x, _ = data()
    y = torch.randn(N, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(C * H * W, 3)).double()
    r = decompose(model, x, y, mask_set(family), loss="mse", estimator=estimator, n_masks="all", partners="all")
    assert abs(r.remainder) <= 1e-10
    assert r.r3 == pytest.approx(0.0, abs=1e-12) and r.remainder_se == 0.0


def test_enumerated_l_msda_equals_mixed_label_loss() -> None:
    """The D~ form of L_msda equals the mixed-label loss over all ordered pairs (section 3)."""
    x, y = data()
    model, ms = smooth_net(), mask_set("cutmix", 4)
    ce = get_loss("ce")
    total = 0.0
    for j in range(N):  # partner j for every i, every mask
        for s in range(ms.masks.shape[0]):
            m = ms.masks[s]
            lam = m.mean()
            xm = m * x + (1 - m) * x[j]
            rows = torch.nn.functional.one_hot(y, 3).double()
            total += float(ce.value(model(xm), lam * rows + (1 - lam) * rows[j]).mean())
    r = decompose(model, x, y, ms, loss="ce", estimator="direct", n_masks="all", partners="all")
    assert r.l_msda == pytest.approx(total / (N * ms.masks.shape[0]), rel=1e-12)


@pytest.mark.parametrize("loss", ["ce", "bce"])
@pytest.mark.parametrize("family", list(masks.PAPER_FAMILIES))
def test_moment_equals_direct_on_enumerated_set(loss: str, family: str) -> None:
    """Both forms are exact finite sums on a MaskSet with all partners: they agree to rounding."""
    x, y = data()
    model, target = (smooth_net(), y) if loss == "ce" else (smooth_net(1), (y == 0).double())
    a, b = (decompose(model, x, target, mask_set(family), loss=loss, estimator=e, n_masks="all", partners="all")
            for e in ("moment", "direct"))
    for term in ("r1", "r2", "r3", "l_msda"):
        assert getattr(a, term) == pytest.approx(getattr(b, term), rel=1e-9, abs=1e-14)


@pytest.mark.parametrize("loss", ["ce", "bce"])
@pytest.mark.parametrize("family", list(masks.PAPER_FAMILIES))
def test_moment_equals_direct_within_standard_errors(loss: str, family: str) -> None:
    """|moment - direct| <= 5 SE, SE = sqrt(SE_m^2 + SE_d^2); SE_m = std of per-mask contractions / sqrt(S),
    SE_d = sqrt(sum_i s_i^2 / U) / n over the draws of each image."""
    x, y = data(3)
    model, target = (smooth_net(), y) if loss == "ce" else (smooth_net(1), (y == 0).double())
    sampler = masks.get(family)
    mom = decompose(model, x, target, sampler, loss=loss, estimator="moment", weights="mc", weight_samples=2000,
                    n_masks=2, generator=torch.Generator().manual_seed(5))
    dir_ = decompose(model, x, target, sampler, loss=loss, estimator="direct", n_masks=200,
                     generator=torch.Generator().manual_seed(6))
    for term in ("r1", "r2", "r3"):
        se = math.hypot(getattr(mom, f"{term}_se"), getattr(dir_, f"{term}_se"))
        assert abs(getattr(mom, term) - getattr(dir_, term)) <= 5 * se


def test_per_sample_and_mix_agree_in_mean() -> None:
    x, y = data()
    r = decompose(smooth_net(), x, y, masks.get("mixup"), estimator="direct", n_masks=4, per_sample=True,
                  generator=torch.Generator().manual_seed(0))
    assert r.per_sample["r2"].shape == (N,)
    assert float(r.per_sample["l_msda"].mean()) == pytest.approx(r.l_msda)
    _, _, record = mix(x.float(), y, masks.get("mixup"), num_classes=3)  # the shared mixer runs on the same data
    assert record.lam.shape == (N,)


@pytest.mark.parametrize("kwargs, message", [
    ({"estimator": "taylor"}, "estimator must be one of"),
    ({"weights": "approx"}, "weights must be one of"),
    ({"n_masks": 0}, "n_masks must be a positive integer or 'all'"),
    ({"n_masks": "all"}, "n_masks='all' enumerates a finite mask law: pass a MaskSet"),
    ({"partners": "some"}, "partners must be one of"),
    ({"loss": "hinge"}, "loss must be one of"),
])
def test_bad_options(kwargs: dict, message: str) -> None:
    x, y = data()
    with pytest.raises(ValueError, match=message):
        decompose(smooth_net(), x, y, masks.get("mixup"), **kwargs)


def test_bad_inputs() -> None:
    x, y = data()
    with pytest.raises(ValueError, match=r"x must be a floating tensor \(n, C, H, W\)"):
        decompose(smooth_net(), x[0], y, masks.get("mixup"))
    with pytest.raises(ValueError, match="y must be a tensor with one label per image"):
        decompose(smooth_net(), x, y[:2], masks.get("mixup"))
    with pytest.raises(ValueError, match="loss 'bce' needs one logit per image"):
        decompose(smooth_net(), x, (y == 0).double(), masks.get("mixup"), loss="bce")
    with pytest.raises(ValueError, match=r"masks must take values in \[0, 1\]"):
        MaskSet(torch.full((1, 2, 2), 2.0))
