"""decompose's defaults: models in train mode, the 'auto' estimator and its cost model, what the SEs cover,
the piecewise-linear note, the progress bars and the logged estimate."""
from __future__ import annotations

import json
import logging

import pytest
import torch
from torch import nn

from msda_theory import masks
from msda_theory.regularizers import MaskSet, decompose
from msda_theory.regularizers.piecewise import is_piecewise_linear
from msda_theory.regularizers.plan import DRAW, HVP, Work, choose, work_per_image


def images(n: int = 4, size: int = 6, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, size, size, generator=g, dtype=torch.float64), torch.randint(3, (n,), generator=g)


def bn_dropout_net(size: int = 6) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.Softplus(), nn.Dropout(0.5),
                         nn.Flatten(), nn.Linear(4 * size * size, 3)).double()


def test_train_mode_model_is_decomposed_in_eval_mode_and_its_modes_restored() -> None:
    x, y = images()
    model = bn_dropout_net()
    with torch.no_grad():  # running statistics that differ from a batch's own: train and eval mode disagree
        model[1].running_mean.fill_(0.3)
        model[1].running_var.fill_(2.0)
    model.train()
    model[3].eval()  # a mixed state must come back as it was
    kw = dict(estimator="direct", n_masks=4)
    got = decompose(model, x, y, masks.get("cutmix"), generator=torch.Generator().manual_seed(1), **kw)
    assert model.training and model[1].training and not model[3].training
    assert torch.equal(model[1].running_mean, torch.full((4,), 0.3, dtype=torch.float64))  # no batch updated them
    want = decompose(model.eval(), x, y, masks.get("cutmix"), generator=torch.Generator().manual_seed(1), **kw)
    assert got.as_dict() == want.as_dict()


def test_the_package_resnet_in_train_mode_is_decomposed_and_left_in_train_mode() -> None:
    from msda_theory import models

    torch.manual_seed(0)
    net = models.build("resnet", (1, 8, 8), 3, activation="softplus").double().train()
    x, y = images(2, 8)
    r = decompose(net, x, y, masks.get("hmix"), n_masks=2, generator=torch.Generator().manual_seed(0))
    assert net.training and all(m.training for m in net.modules()) and r.config["estimator"] == "direct"


def test_moment_form_runs_on_a_train_mode_batch_norm_model() -> None:
    x, y = images(3, 4)
    model = bn_dropout_net(4).train()
    r = decompose(model, x, y, masks.get("mixup"), estimator="moment", n_masks=2,
                  generator=torch.Generator().manual_seed(0))
    assert model.training and r.config["estimator"] == "moment"


def test_plain_callable_is_used_as_it_is() -> None:
    x, y = images()
    net = bn_dropout_net().eval()
    r = decompose(lambda t: net(t), x, y, masks.get("mixup"), estimator="direct", n_masks=2)
    assert r.l_std > 0


def test_work_model_grows_with_pixels_for_the_moment_form_and_with_draws_for_the_direct_one() -> None:
    direct, moment = work_per_image(64, 784, 10)
    assert direct == 64 * (1 + DRAW) + 3 and moment == 64 + 6 + 2 * 21 + 2 * 784 * HVP
    assert work_per_image(128, 784, 10)[0] > direct and work_per_image(64, 1568, 10)[1] > moment
    assert choose("auto", Work(direct=2.0, moment=1.0, forward_seconds=1e-3)) == "moment"
    assert choose("auto", Work(direct=1.0, moment=1.0, forward_seconds=1e-3)) == "direct"
    assert choose("moment", Work(direct=1.0, moment=9.0, forward_seconds=1e-3)) == "moment"
    assert choose("auto", Work(direct=2.0, moment=1.0, forward_seconds=1e-3), moment_ready=False) == "direct"
    assert Work(direct=2.0, moment=5.0, forward_seconds=0.5).seconds("moment", 4) == 10.0


def test_auto_runs_direct_on_28x28_and_the_moment_form_on_tiny_images_with_many_draws() -> None:
    net = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    x, y = images(2, 28)
    r = decompose(net, x, y, masks.get("cutmix"), n_masks=2)
    assert (r.config["estimator"], r.config["estimator_requested"]) == ("direct", "auto")
    tiny = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 3)).double()
    x, y = images(2, 2)  # d = 4: 2 d HVPs are cheaper than 64 direct draws
    r = decompose(tiny, x, y, masks.get("mixup"), n_masks=64)
    assert r.config["estimator"] == "moment" and r.config["weights"] == "exact"
    fmix = dict(n_masks=64, generator=torch.Generator().manual_seed(0))  # FMix has no exact weights:
    assert decompose(tiny, x, y, masks.get("fmix"), **fmix).config["estimator"] == "direct"  # not unless asked
    assert decompose(tiny, x, y, masks.get("fmix"), weights="mc", **fmix).config["estimator"] == "moment"


def test_moment_standard_errors_are_labelled_as_covering_the_weights_only() -> None:
    x, y = images()
    net = nn.Sequential(nn.Flatten(), nn.Linear(36, 5), nn.Tanh(), nn.Linear(5, 3)).double()
    r = decompose(net, x, y, masks.get("mixup"), estimator="moment", n_masks=4)
    assert r.r1_se == r.r2_se == r.r3_se == 0.0  # exact weights: the SE of the weights is 0, not of the result
    assert r.se_covers.startswith("weights only: r1_se, r2_se, r3_se are 0: exact weights")
    assert "weights only" in repr(r) and "SE covers: weights only" in r.summary()
    assert json.loads(json.dumps(r.as_dict()))["se_covers"] == r.se_covers
    d = decompose(net, x, y, masks.get("mixup"), estimator="direct", n_masks=4)
    assert d.se_covers == "the draws of mask and partner (the anchors are fixed)" and d.r1_se > 0
    ms = MaskSet(masks.get("cutmix").sample(3, (6, 6), generator=torch.Generator().manual_seed(0),
                                            dtype=torch.float64)[0])
    e = decompose(net, x, y, ms, estimator="direct", n_masks="all", partners="all")
    assert e.se_covers.startswith("none: every expectation is an exact sum")


class OwnForward(nn.Module):
    """Only Linear submodules, but a smooth function in its own forward: not judged piecewise linear."""

    def __init__(self) -> None:
        super().__init__()
        self.a, self.b = nn.Linear(36, 5), nn.Linear(5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.tanh(self.a(x.flatten(1))))


def test_piecewise_linear_models_get_the_note_that_r3_is_zero() -> None:
    from msda_theory import models

    relu = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 3)).double()
    assert is_piecewise_linear(relu) and is_piecewise_linear(models.build("cnn", (1, 8, 8), 3))
    assert not is_piecewise_linear(models.build("cnn", (1, 8, 8), 3, activation="softplus"))
    assert not is_piecewise_linear(OwnForward()) and not is_piecewise_linear(lambda t: t)
    x, y = images()
    r = decompose(relu, x, y, masks.get("cutmix"), estimator="direct", n_masks=4)
    assert r.r3 == 0.0 and len(r.notes) == 1 and "R3 = 0 almost everywhere" in r.notes[0]
    assert "ReLU" in r.notes[0] and "note: the model is piecewise linear" in r.summary()
    assert decompose(OwnForward().double(), x, y, masks.get("cutmix"), estimator="direct", n_masks=2).notes == ()


def test_progress_bars_follow_the_switch(capsys: pytest.CaptureFixture[str]) -> None:
    x, y = images()
    net = nn.Sequential(nn.Flatten(), nn.Linear(36, 3)).double()
    for estimator in ("direct", "moment"):
        decompose(net, x, y, masks.get("mixup"), estimator=estimator, n_masks=2, progress=False)
        assert capsys.readouterr().err == ""
        decompose(net, x, y, masks.get("mixup"), estimator=estimator, n_masks=2, progress=True)
        assert "decompose (" in capsys.readouterr().err
    decompose(net, x, y, masks.get("mixup"), n_masks=2)  # default None: a bar only on a terminal
    assert capsys.readouterr().err == ""


def test_the_plan_is_logged_before_the_run(caplog: pytest.LogCaptureFixture) -> None:
    x, y = images()
    net = nn.Sequential(nn.Flatten(), nn.Linear(36, 3)).double()
    with caplog.at_level(logging.DEBUG, logger="msda_theory"):
        decompose(net, x, y, masks.get("mixup"), n_masks=2)
    text = caplog.text
    assert "decompose: estimator direct (auto) on 4 images" in text and "moment form" in text


def test_a_long_run_is_announced_at_info(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from msda_theory.regularizers import plan

    x, y = images()
    net = nn.Sequential(nn.Flatten(), nn.Linear(36, 3)).double()
    with caplog.at_level(logging.INFO, logger="msda_theory"):
        decompose(net, x, y, masks.get("mixup"), n_masks=2)
        assert "decompose: estimator" not in caplog.text  # a short run stays at DEBUG
        monkeypatch.setattr(plan, "LONG_RUN", 0.0)
        decompose(net, x, y, masks.get("mixup"), n_masks=2)
    record = next(r for r in caplog.records if "decompose: estimator" in r.getMessage())
    assert record.levelno == logging.INFO and "forward passes (~" in record.getMessage()


def test_weights_auto_is_accepted_and_gives_the_numbers_of_its_resolved_method() -> None:
    """weights='auto': the exact weights for HMix, the kept-mask Monte Carlo ('mc') for FMix, same generator."""
    tiny = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 3)).double()
    x, y = images(2, 2)
    for spec, same in (("hmix", "exact"), ("fmix", "mc")):
        runs = [decompose(tiny, x, y, masks.from_spec(spec), weights=w, estimator="moment", n_masks=8,
                          weight_samples=64, generator=torch.Generator().manual_seed(1)) for w in ("auto", same)]
        assert [runs[0].r1, runs[0].r2, runs[0].r3, runs[0].r2_se] == [runs[1].r1, runs[1].r2, runs[1].r3, runs[1].r2_se]
        assert runs[0].config["weights"] == "auto" and runs[0].config["weights_method"] == runs[1].config["weights_method"]
    assert runs[0].config["weights_method"] == "mask-set" and runs[0].r2_se > 0
