"""fit: determinism, resume equivalence, atomic per-epoch files, weights-only checkpoints, derived tasks."""
import json
from dataclasses import replace

import pytest
import torch

from msda_theory.train import TrainConfig, evaluate, fit, load_checkpoint, read_checkpoint, training_loss

TIMING = {"seconds", "train_seconds", "mix_seconds"}


def without_timing(records):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


def config(**kw):
    base = dict(model="cnn", strategy="cutmix", epochs=1, batch_size=32, mode="elem", pairing="perm")
    return TrainConfig(**{**base, **kw})


def test_same_seed_same_metrics_other_seed_other_metrics(tiny):
    train, test = tiny
    a = fit(config(), progress=False, keep_config_data=True, train_data=train, test_data=test)
    b = fit(config(), progress=False, keep_config_data=True, train_data=train, test_data=test)
    c = fit(config(seed=1), progress=False, keep_config_data=True, train_data=train, test_data=test)
    assert without_timing(a.metrics["epochs"]) == without_timing(b.metrics["epochs"])
    assert a.metrics["epochs"][0]["train_loss"] != c.metrics["epochs"][0]["train_loss"]


def test_fit_leaves_the_global_generator_alone(tiny):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit(config(), progress=False, keep_config_data=True, train_data=tiny[0])
    assert torch.equal(torch.rand(3), expected)


def test_resume_equals_an_uninterrupted_run(tiny, tmp_path):
    train, test = tiny
    cfg = config(epochs=2)
    straight = fit(cfg, tmp_path / "a", progress=False, keep_config_data=True, train_data=train, test_data=test)

    def stop_after_first(epoch, model, record):
        raise KeyboardInterrupt  # a run killed after epoch 1 was written

    with pytest.raises(KeyboardInterrupt):
        fit(cfg, tmp_path / "b", progress=False,
            keep_config_data=True, train_data=train, test_data=test, callback=stop_after_first)
    assert len(json.loads((tmp_path / "b" / "metrics.json").read_text())["epochs"]) == 1
    resumed = fit(cfg, tmp_path / "b", resume=True, progress=False,
                  keep_config_data=True, train_data=train, test_data=test)
    assert without_timing(resumed.metrics["epochs"]) == without_timing(straight.metrics["epochs"])
    for p, q in zip(straight.model.parameters(), resumed.model.parameters()):
        assert torch.equal(p, q)
    again = fit(cfg, tmp_path / "b", resume=True, progress=False,
                keep_config_data=True, train_data=train, test_data=test)
    assert again.metrics["epochs"] == resumed.metrics["epochs"]  # finished: nothing retrained


def test_resume_refuses_a_different_config(tiny, tmp_path):
    fit(config(), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    with pytest.raises(ValueError, match=r"cannot resume .*different config \(fields \['strategy'\]\)"):
        fit(config(strategy="cutmix:alpha=0.5"), tmp_path, resume=True, progress=False,
            keep_config_data=True, train_data=tiny[0])


def test_files_are_written_atomically_after_every_epoch(tiny, tmp_path):
    seen = []

    def check(epoch, model, record):
        metrics = json.loads((tmp_path / "metrics.json").read_text())  # valid JSON now
        seen.append((epoch, len(metrics["epochs"]), read_checkpoint(tmp_path)["epoch"]))
        assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))

    result = fit(config(epochs=3), tmp_path, progress=False,
                 keep_config_data=True, train_data=tiny[0], test_data=tiny[1], callback=check)
    assert seen == [(1, 1, 1), (2, 2, 2), (3, 3, 3)]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["config"] == result.config.to_dict() and metrics["complete"]
    record = metrics["epochs"][-1]
    for key in ("train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds", "lr"):
        assert isinstance(record[key], float)


def test_checkpoint_loads_weights_only_and_rebuilds_the_model(tiny, tmp_path):
    result = fit(config(optimizer="adam", lr=1e-3), tmp_path, progress=False, keep_config_data=True, train_data=tiny[0])
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert state["generators"]["order"].dtype == torch.uint8 and state["epoch"] == 1
    for path in (tmp_path, tmp_path / "checkpoint.pt"):
        model, cfg = load_checkpoint(path)
        assert cfg == result.config and not model.training
        x = tiny[0].x[:5]
        assert torch.equal(model(x), result.model(x))


def test_binary_task_from_two_classes_trains_a_single_logit(tiny):
    train, test = tiny
    cfg = TrainConfig(model="linear", classes=(1, 2), binary=True, strategy="mixup", epochs=3, batch_size=16,
                      eval_train=True)
    result = fit(cfg, progress=False, keep_config_data=True, train_data=train, test_data=test)
    assert result.model(train.x[:4]).shape == (4, 1)
    record = result.metrics["epochs"][-1]
    assert result.metrics["task"]["n_train"] == int(((train.y == 1) | (train.y == 2)).sum())
    assert record["clean_train_accuracy"] > 0.8 and record["test_accuracy"] > 0.8


def test_binary_needs_two_classes(tiny):
    with pytest.raises(ValueError, match=r"binary needs a two-class task, got 4 classes"):
        fit(TrainConfig(model="linear", binary=True), progress=False, keep_config_data=True, train_data=tiny[0])


def test_subset_larger_than_the_data_is_refused(tiny):
    with pytest.raises(ValueError, match=r"subset=500 exceeds the 96 training samples"):
        fit(TrainConfig(model="linear", subset=500), progress=False, keep_config_data=True, train_data=tiny[0])


def test_training_learns_the_quadrant_task(tiny):
    cfg = TrainConfig(model="mlp", strategy="hmix", epochs=5, batch_size=16)
    result = fit(cfg, progress=False, keep_config_data=True, train_data=tiny[0], test_data=tiny[1])
    assert result.metrics["final"]["test_accuracy"] > 0.9


def test_training_loss_is_soft_cross_entropy_and_bce():
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    target = torch.tensor([[0.5, 0.25, 0.25]])
    expected = -(target * torch.log_softmax(logits, 1)).sum()
    assert torch.allclose(training_loss(logits, target), expected)
    z, p = torch.tensor([[0.3]]), torch.tensor([[0.4, 0.6]])
    bce = -(0.6 * torch.log(torch.sigmoid(z)) + 0.4 * torch.log(1 - torch.sigmoid(z)))
    assert torch.allclose(training_loss(z, p), bce.squeeze())


def test_evaluate_matches_a_direct_computation():
    torch.manual_seed(0)
    model = torch.nn.Linear(64, 3)
    wrapped = torch.nn.Sequential(torch.nn.Flatten(), model)
    x, y = torch.rand(10, 1, 8, 8), torch.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0])
    out = evaluate(wrapped, x, y, batch_size=3)
    logits = wrapped(x).detach()
    assert out["loss"] == pytest.approx(float(torch.nn.functional.cross_entropy(logits, y)), rel=1e-5)
    assert out["accuracy"] == pytest.approx(float((logits.argmax(1) == y).float().mean()))
    with pytest.raises(ValueError, match=r"x and y must hold the same positive number of samples, got 0 and 0"):
        evaluate(wrapped, x[:0], y[:0])


def test_cuda_is_refused_where_absent(tiny):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(ValueError, match=r"device 'cuda' requested but CUDA is not available"):
        fit(replace(config(), device="cuda"), progress=False, keep_config_data=True, train_data=tiny[0])


@pytest.mark.parametrize("split", ["train", "test"])
@pytest.mark.parametrize("strategy", ["none", "mixup"])
def test_non_finite_pixels_are_refused_before_training_with_their_count(tiny, tmp_path, split, strategy):
    from types import SimpleNamespace

    sets = {name: SimpleNamespace(x=s.x.clone(), y=s.y, num_classes=s.num_classes) for name, s in zip(("train", "test"), tiny)}
    sets[split].x[3, 0, 1, 1], sets[split].x[5, 0, 0, 0] = float("nan"), float("inf")
    message = rf"^x \({'training' if split == 'train' else 'test'} set\) holds 2 non-finite values$"
    with pytest.raises(ValueError, match=message):
        fit(config(strategy=strategy), tmp_path, progress=False,
            keep_config_data=True, train_data=sets["train"], test_data=sets["test"])
    assert not (tmp_path / "checkpoint.pt").exists()


def test_non_finite_pixels_streamed_from_a_loader_are_refused_per_batch(tiny):
    from torch.utils.data import DataLoader, TensorDataset

    x = tiny[0].x.clone()
    x[40, 0, 2, 2] = float("nan")
    loader = DataLoader(TensorDataset(x, tiny[0].y), batch_size=32)
    with pytest.raises(ValueError, match=r"^x \(a training batch\) holds 1 non-finite values$"):
        fit(config(strategy="none", model="linear", mode="batch", pairing="flip"), progress=False, train_data=loader)
