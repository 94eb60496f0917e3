"""Bring your own model and data: a user-defined nn.Module and Dataset through train, mix, decompose,
attack and sweep, with the public API only (issue 12, "Done when")."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

import msda_theory
from msda_theory.attacks import evaluate_robustness
from msda_theory.train import TrainConfig, fit, load_checkpoint, run_sweep


class Stripes(Dataset):
    """Two classes of 6x6 grey images: class 1 has a bright left half. Deterministic, no files."""

    def __init__(self, n: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 2, (n,), generator=g)
        noise = 0.2 * torch.rand(n, 1, 6, 6, generator=g)
        self.images = noise + 0.6 * self.labels.view(n, 1, 1, 1) * (torch.arange(6) < 3).float()

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.images[i], int(self.labels[i])


class TinyNet(nn.Module):
    """A user's own model: flatten, one hidden softplus layer, two logits."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(36, 16), nn.Softplus(), nn.Linear(16, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


CONFIG = TrainConfig(epochs=3, batch_size=20, lr=0.1, strategy="mixup", seed=0)


def test_user_model_and_dataset_train_and_reload(tmp_path):
    train, test = Stripes(120, 0), Stripes(60, 1)
    result = fit(CONFIG, tmp_path / "run", model=TinyNet(), train_data=train, test_data=test, progress=False)
    assert result.config.model == "custom:TinyNet" and result.config.data == "custom:Stripes"
    assert result.metrics["final"]["test_accuracy"] > 0.9  # separable classes: chance is 0.5
    stored = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert stored["task"]["num_classes"] == 2 and len(stored["task"]["data"]["sha256"]) == 64
    with pytest.raises(ValueError, match=r"names a user's model 'custom:TinyNet', and code named in a file is never "
                                         r"imported: build the model and pass it, "
                                         r"load_checkpoint\(path, model=\.\.\.\)$"):
        load_checkpoint(tmp_path / "run")
    model, config = load_checkpoint(tmp_path / "run", model=TinyNet())
    assert config == result.config
    x = test.images
    assert torch.equal(model(x), result.model.cpu()(x))


def test_streamed_loader_run_is_reproducible_from_its_seeds(tmp_path):
    """A shuffling DataLoader is streamed every epoch: the same loader generator and run seed give the same weights."""
    train = Stripes(80, 0)

    def run(folder: str) -> torch.Tensor:
        loader = DataLoader(train, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(3))
        result = fit(CONFIG, tmp_path / folder, model=TinyNet, train_data=loader, progress=False)
        assert result.config.model == "custom:TinyNet"
        assert result.metrics["task"]["data"]["sha256"].startswith("unavailable")
        return torch.cat([p.detach().flatten() for p in result.model.parameters()])

    assert torch.equal(run("a"), run("b"))


def test_mix_decompose_attack_and_sweep_on_user_objects(tmp_path):
    train, test = Stripes(100, 0), Stripes(40, 1)
    x, y = next(iter(DataLoader(train, batch_size=16)))
    mixed, target, record = msda_theory.mix(x, y, msda_theory.CutMix(alpha=1.0), num_classes=2,
                                            generator=torch.Generator().manual_seed(0))
    assert mixed.shape == x.shape and torch.allclose(target.sum(1), torch.ones(16, dtype=target.dtype))

    model = fit(CONFIG, None, model=TinyNet(), train_data=train, test_data=test, progress=False).model.eval()
    parts = msda_theory.decompose(model.double(), x.double(), y, msda_theory.Mixup(alpha=1.0), weights="mc",
                                  n_masks=8, generator=torch.Generator().manual_seed(0))
    total = parts.l_std + parts.r1 + parts.r2 + parts.r3 + parts.remainder
    assert abs(float(total) - float(parts.l_msda)) < 1e-9  # the decomposition's identity, float64
    from_loader = msda_theory.decompose(model, DataLoader(Subset(train, range(16)), batch_size=5), None,
                                        msda_theory.Mixup(alpha=1.0), weights="mc", n_masks=8,
                                        generator=torch.Generator().manual_seed(0))
    assert from_loader.as_dict() == parts.as_dict()  # the loader's samples, read and cast to float64
    with pytest.raises(ValueError, match="y goes with tensors x; a DataLoader or Dataset brings its own labels"):
        msda_theory.decompose(model, train, y, msda_theory.Mixup())

    robust = evaluate_robustness(model.float(), DataLoader(test, batch_size=16), eps_list=[0.0, 0.1],
                                 attack="fgsm", progress=False)
    assert robust["n"] == 40 and robust["accuracy"][1] <= robust["accuracy"][0]

    sweep = run_sweep(CONFIG, ["none", "mixup"], [0, 1], out_dir=tmp_path / "sweep", model=TinyNet,
                      train_data=train, test_data=test, progress=False)
    assert [row["strategy"] for row in sweep["rows"]] == ["none", "mixup"]
    assert all(row["data"] == "custom:Stripes" and row["n"] == 2 for row in sweep["rows"])
    with pytest.raises(ValueError, match="trains a fresh model per job"):
        run_sweep(CONFIG, ["none"], [0], out_dir=tmp_path / "s2", model=TinyNet(), train_data=train)
