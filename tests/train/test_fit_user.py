"""fit on a user's model and data: the same numbers as the in-memory path, the config as the record, errors."""
from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, IterableDataset

from msda_theory.models import from_factory
from msda_theory.train import TrainConfig, fit, load_checkpoint

CONFIG = TrainConfig(model="mlp", epochs=2, batch_size=16, strategy="cutmix", seed=4)


class Pairs(Dataset):
    """The items of an in-memory task, one (x (C, H, W), int label) at a time."""

    def __init__(self, task, classes=None) -> None:
        self.task = task
        if classes is not None:
            self.classes = classes

    def __len__(self) -> int:
        return len(self.task.y)

    def __getitem__(self, i: int):
        return self.task.x[i], int(self.task.y[i])


def weights(result) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in result.model.parameters()])


def test_a_dataset_trains_exactly_as_the_same_tensors_in_memory(tiny):
    """Twin: the Dataset path (read item by item, collated) against the tensors fit used before."""
    train, test = tiny
    direct = fit(CONFIG, None, keep_config_data=True, train_data=train, test_data=test, progress=False)
    user = fit(CONFIG, None, train_data=Pairs(train), test_data=Pairs(test), progress=False)
    assert torch.equal(weights(direct), weights(user))
    assert user.metrics["final"]["test_accuracy"] == direct.metrics["final"]["test_accuracy"]
    assert user.config.data == "custom:Pairs" and direct.config.data == CONFIG.data
    assert user.metrics["task"]["num_classes"] == 4  # largest label + 1


def test_declared_classes_win_over_labels_seen(tiny):
    names = ["a", "b", "c", "d", "e"]
    result = fit(CONFIG, None, train_data=Pairs(tiny[0], classes=names), progress=False)
    assert result.metrics["task"]["num_classes"] == 5 and result.model(tiny[0].x[:2]).shape == (2, 5)


def test_a_callable_model_is_built_under_the_run_seed(tiny):
    def make() -> nn.Module:
        return nn.Sequential(nn.Flatten(), nn.Linear(64, 4))

    first = [fit(CONFIG, None, model=make, train_data=Pairs(tiny[0]), progress=False) for _ in range(2)]
    other = fit(CONFIG.__class__(**{**CONFIG.to_dict(), "seed": 5}), None, model=make, train_data=Pairs(tiny[0]),
                progress=False)
    assert first[0].config.model == "custom:make"
    assert torch.equal(weights(first[0]), weights(first[1])) and not torch.equal(weights(first[0]), weights(other))


def test_a_factory_model_is_recorded_and_loads_only_into_a_given_module(tmp_path, monkeypatch, tiny):
    """The checkpoint records factory:SPEC but never imports it: loading needs the module, built by the caller."""
    (tmp_path / "user_models.py").write_text(
        "from torch import nn\n\ndef small():\n    return nn.Sequential(nn.Flatten(), nn.Linear(64, 4))\n\n"
        "def other():\n    return small()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for model in ("user_models:small", from_factory("user_models:small")):
        result = fit(CONFIG, tmp_path / "run", model=model,
                     keep_config_data=True, train_data=tiny[0], overwrite=True, progress=False)
        assert result.config.model == "factory:user_models:small"
        with pytest.raises(ValueError, match=r"names a user's model 'factory:user_models:small', and code named in "
                                             r"a file is never imported: build the model and pass it"):
            load_checkpoint(tmp_path / "run")
        loaded, config = load_checkpoint(tmp_path / "run", model=from_factory("user_models:small"))
        assert config == result.config and torch.equal(loaded(tiny[1].x), result.model.cpu()(tiny[1].x))
    with pytest.raises(ValueError, match=r"the model given is built by 'user_models:other' but .* records the "
                                         r"factory 'user_models:small'"):
        load_checkpoint(tmp_path / "run", model=from_factory("user_models:other"))


def test_a_config_naming_a_factory_is_never_imported(tmp_path, monkeypatch, tiny):
    """fit(config) with config.model = factory:SPEC and no model argument refuses, and the factory never runs."""
    (tmp_path / "marker_models.py").write_text(
        "import pathlib\nfrom torch import nn\n\ndef net():\n"
        f"    pathlib.Path({str(tmp_path / 'called')!r}).write_text('x')\n"
        "    return nn.Sequential(nn.Flatten(), nn.Linear(64, 4))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = TrainConfig(**{**CONFIG.to_dict(), "model": "factory:marker_models:net"})
    with pytest.raises(ValueError, match=r"^config.model 'factory:marker_models:net' names a user's model: pass it "
                                         r"itself, fit\(\.\.\., model='marker_models:net'\); a config never names "
                                         r"code to import$"):
        fit(config, None, keep_config_data=True, train_data=tiny[0], progress=False)
    assert not (tmp_path / "called").exists()
    result = fit(config, None, model="marker_models:net", keep_config_data=True, train_data=tiny[0], progress=False)
    assert (tmp_path / "called").exists() and result.config.model == "factory:marker_models:net"


class Stream(IterableDataset):
    def __init__(self, task) -> None:
        self.task = task

    def __iter__(self):
        return iter(zip(self.task.x, self.task.y.tolist()))


def test_a_loader_streams_each_epoch_and_tests_on_a_loader(tiny):
    train, test = tiny
    loader = DataLoader(Pairs(train), batch_size=16)
    result = fit(CONFIG, None, train_data=loader, test_data=DataLoader(Pairs(test), batch_size=7), progress=False)
    task = result.metrics["task"]
    assert task["source"] == "streamed" and task["n_train"] == 96 and task["n_test"] == 40
    assert task["data"]["sha256"] == "unavailable (streamed from a DataLoader)"
    stream = DataLoader(Stream(train), batch_size=16)
    constant = TrainConfig(**{**CONFIG.to_dict(), "schedule": "constant"})
    run = fit(constant, None, train_data=stream, progress=False)
    assert run.metrics["task"]["n_train"] is None and len(run.metrics["epochs"]) == 2


@pytest.mark.parametrize("kwargs, message", [
    (dict(train_data="digits"), "train_data must be a map-style Dataset"),
    (dict(test_data="x"), "test_data needs train_data"),
    (dict(model=3), "model must be an nn.Module, a callable returning one"),
    (dict(model="no_colon"), r"^fit\(model=\.\.\.\) is written 'package.module:name', got 'no_colon'$"),
    (dict(model="factory:a:b:c"), r"^fit\(model=\.\.\.\) is written 'package.module:name', got 'a:b:c'$"),
    (dict(model="surely_missing_mod_xyz:net"), r"^cannot import 'surely_missing_mod_xyz' for fit\(model=\.\.\.\) "),
])
def test_bad_user_arguments_are_one_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(CONFIG, None, progress=False, **kwargs)


def test_bad_items_and_loader_options_are_refused(tiny):
    class Flat(Pairs):
        def __getitem__(self, i):
            return self.task.x[i].flatten(), int(self.task.y[i])

    with pytest.raises(ValueError, match=r"train images must be floating tensors \(C, H, W\)"):
        fit(CONFIG, None, train_data=Flat(tiny[0]), progress=False)
    loader = DataLoader(Pairs(tiny[0]), batch_size=16)
    subset = TrainConfig(**{**CONFIG.to_dict(), "subset": 10})
    with pytest.raises(ValueError, match="subset, test_subset and classes apply to tensors"):
        fit(subset, None, train_data=loader, progress=False)
    with pytest.raises(ValueError, match="needs schedule='constant'"):
        fit(CONFIG, None, train_data=DataLoader(Stream(tiny[0]), batch_size=16), progress=False)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="pass train_data or train_set, not both"):
        fit(CONFIG, None, train_data=Pairs(tiny[0]), train_set=tiny[0], progress=False)
    with pytest.raises(ValueError, match="names a user's data set: pass it as train_data"):
        fit(TrainConfig(data="custom:Pairs"), None, progress=False)
