"""epoch_cost: interleaved per-epoch timings, ratios to Mixup."""
import pytest

from msda_theory.train import TrainConfig, epoch_cost


def test_epoch_cost_times_every_strategy_with_mixup_as_reference(tiny):
    cfg = TrainConfig(model="linear", batch_size=32)
    out = epoch_cost(cfg, ["cutmix", "none"], repeats=2, train_set=tiny[0])
    assert out["order"] == ["mixup", "cutmix", "none"]
    assert all(len(v) == 2 and min(v) > 0 for v in out["seconds"].values())
    assert out["ratio_to_mixup"]["mixup"] == 1.0 and out["ratio_to_mixup"]["cutmix"] > 0
    assert out["mix_seconds"]["none"][0] < out["seconds"]["none"][0]


def test_epoch_cost_checks_its_inputs(tiny):
    with pytest.raises(ValueError, match=r"strategies must be a non-empty list from: none, mixup"):
        epoch_cost(TrainConfig(), ["bogus"], train_set=tiny[0])
    with pytest.raises(ValueError, match=r"repeats must be a positive integer, got 0"):
        epoch_cost(TrainConfig(), ["mixup"], repeats=0, train_set=tiny[0])
