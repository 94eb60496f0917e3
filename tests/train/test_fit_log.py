"""fit's per-epoch log line: labelled with its strategy and seed, numbers rounded, through the msda_theory logger."""
from __future__ import annotations

import logging
import re

import pytest

from msda_theory.train import TrainConfig, fit
from msda_theory.train.fit import epoch_line

LINE = re.compile(r"^\[cutmix seed 3\] epoch (\d)/2: train loss \d+\.\d{4}, test accuracy \d{1,3}\.\d%$")


def test_every_epoch_logs_one_labelled_rounded_line(tiny, caplog: pytest.LogCaptureFixture) -> None:
    train, test = tiny
    config = TrainConfig(model="linear", strategy="cutmix", epochs=2, batch_size=32, seed=3)
    with caplog.at_level(logging.INFO, logger="msda_theory"):
        run = fit(config, progress=False, keep_config_data=True, train_data=train, test_data=test)
    lines = [r.getMessage() for r in caplog.records if r.name == "msda_theory.train.fit"]
    assert [LINE.match(x).group(1) for x in lines] == ["1", "2"], lines
    accuracy = run.metrics["epochs"][-1]["test_accuracy"]
    assert lines[-1].endswith(f"test accuracy {100 * accuracy:.1f}%")


def test_epoch_line_without_a_test_set() -> None:
    record = {"epoch": 4, "train_loss": 0.123456789, "test_accuracy": None}
    assert epoch_line(TrainConfig(strategy="mixup", epochs=12), record) == \
        "[mixup seed 0] epoch 4/12: train loss 0.1235, test accuracy n/a"
