"""mix on devices and dtypes, MixCollate's streams per worker and epoch, dict batches, multi-label rows."""
from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from msda_theory import masks
from msda_theory.mix import MixCollate, mix, soft_labels
from msda_theory.train import TrainConfig
from msda_theory.train.fit import resolve_device

FAMILIES = [masks.Mixup(), masks.CutMix(), masks.HMix(), masks.GMix(), masks.FMix(),
            masks.RandomChoice([masks.Mixup(), masks.CutMix()], p=[0.5, 0.5]), masks.Apply(masks.CutMix(), prob=0.5)]


class Indexed(Dataset):
    """Sample i: a 4x4 image of value i / n and label i % 4, so a batch of 4 in order has labels 0, 1, 2, 3."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return torch.full((1, 4, 4), i / self.n), i % 4


def mixing_ratios(seed: int, workers: int, loader_seed: int = 0, epochs: int = 2) -> list[float]:
    """lam of every batch: with labels 0..3 and flip pairing, y~[0, 0] = lam * 1 + (1 - lam) * 0."""
    collate = MixCollate(masks.Mixup(), num_classes=4, seed=seed)
    loader = DataLoader(Indexed(16), batch_size=4, num_workers=workers, collate_fn=collate,
                        generator=torch.Generator().manual_seed(loader_seed))
    return [float(y[0, 0]) for _ in range(epochs) for _, y in loader]


@pytest.mark.parametrize("workers", [0, 2])
def test_collate_masks_differ_over_workers_and_epochs_and_the_seed_reproduces_them(workers):
    lams = mixing_ratios(seed=0, workers=workers)
    assert len(lams) == 8 and len(set(lams)) == 8  # Beta(1, 1) draws: equal only with probability 0
    assert mixing_ratios(seed=0, workers=workers) == lams
    assert set(mixing_ratios(seed=1, workers=workers)).isdisjoint(lams)


def test_collate_finds_images_and_labels_in_dict_batches():
    samples = [{"Image": torch.rand(1, 4, 4), "label": i % 3, "id": i} for i in range(4)]
    out = MixCollate(masks.CutMix(), num_classes=3, seed=0)(samples)
    assert set(out) == {"Image", "label", "id"} and out["label"].shape == (4, 3)
    assert torch.equal(out["id"], torch.arange(4))
    custom = [{"pixels": s["Image"], "cls": s["label"]} for s in samples]
    assert MixCollate(masks.CutMix(), num_classes=3, seed=0, images_getter="pixels", labels_getter="cls")(custom)[
        "cls"].shape == (4, 3)
    with pytest.raises(ValueError, match=r"no labels key among \['Image', 'id'\]"):
        MixCollate(masks.CutMix(), num_classes=3)([{"Image": s["Image"], "id": 0} for s in samples])
    with pytest.raises(ValueError, match="the batch has no key 'cls' for the labels"):
        MixCollate(masks.CutMix(), num_classes=3, labels_getter="cls")(samples)


def test_multi_label_rows_are_mixed_for_bce_and_refused_otherwise():
    y = torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    x = torch.rand(3, 1, 4, 4)
    _, target, record = mix(x, y, masks.Mixup(), multi_label=True, generator=torch.Generator().manual_seed(0))
    lam = record.lam[:, None]
    assert torch.allclose(target, lam * y + (1 - lam) * y.flip(0))
    with pytest.raises(ValueError, match="label rows must be non-negative and sum to 1"):
        mix(x, y, masks.Mixup())
    with pytest.raises(ValueError, match=r"multi-label rows must lie in \[0, 1\] entrywise"):
        soft_labels(2 * y, None, multi_label=True)


@pytest.mark.parametrize("sampler", FAMILIES, ids=lambda s: type(s).__name__)
def test_masks_and_labels_follow_the_input_dtype(sampler):
    x, y = torch.rand(4, 2, 8, 8, dtype=torch.float64), torch.tensor([0, 1, 2, 1])
    out, target, record = mix(x, y, sampler, num_classes=3, generator=torch.Generator().manual_seed(0))
    assert out.dtype == target.dtype == record.mask.dtype == torch.float64


def devices() -> list[str]:
    return ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("sampler", FAMILIES, ids=lambda s: type(s).__name__)
def test_a_generator_draws_on_its_device_and_masks_land_on_x_device(sampler, device):
    x = torch.rand(4, 3, 8, 8, device=device)
    gen = torch.Generator(device=device).manual_seed(3)
    out, target, record = mix(x, torch.tensor([0, 1, 2, 1], device=device), sampler, num_classes=3,
                              pairing="perm", generator=gen)
    assert out.device == target.device == record.mask.device == x.device
    assert torch.allclose(record.lam, record.mask.mean((-2, -1)).expand(4))
    again = mix(x, torch.tensor([0, 1, 2, 1], device=device), sampler, num_classes=3, pairing="perm",
                generator=torch.Generator(device=device).manual_seed(3))[2]
    assert torch.equal(again.mask, record.mask) and torch.equal(again.partner, record.partner)


def test_mps_is_a_device_name_and_refused_where_torch_has_none():
    assert TrainConfig(device="mps").device == "mps"
    if not torch.backends.mps.is_available():
        with pytest.raises(ValueError, match="device 'mps' requested but MPS is not available"):
            resolve_device("mps")
