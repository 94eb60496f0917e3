"""mix(): the mixed pair and label of docs/theory.md section 2, for any sampler."""
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from msda_theory import masks
from msda_theory.mix import MixAugment, MixCollate, mix, one_hot_rows, partners, soft_labels


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


class HalfAndHalf:
    """A tiny user-defined mask law: left half from the first image, right half from the partner."""

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        h, w = size
        mask = torch.zeros(n, h, w, dtype=dtype, device=device)
        mask[:, :, : w // 2] = 1.0
        return mask, mask.mean((-2, -1))


@given(
    name=st.sampled_from(list(masks.FAMILIES)),
    b=st.integers(1, 7),
    mode=st.sampled_from(["batch", "elem"]),
    pairing=st.sampled_from(["flip", "perm"]),
    smoothing=st.sampled_from([0.0, 0.1]),
    seed=st.integers(0, 1000),
)
def test_mixed_pair_matches_definition(name, b, mode, pairing, smoothing, seed):
    x = torch.rand(b, 3, 6, 5, generator=gen(seed), dtype=torch.float64)
    y = torch.randint(4, (b,), generator=gen(seed + 1))
    x_before, y_before = x.clone(), y.clone()
    out, y_soft, rec = mix(x, y, masks.get(name), num_classes=4, mode=mode, pairing=pairing,
                           label_smoothing=smoothing, generator=gen(seed + 2))
    assert torch.equal(x, x_before) and torch.equal(y, y_before)  # caller's tensors untouched
    assert rec.mask.shape == ((1 if mode == "batch" else b), 6, 5)
    assert torch.equal(torch.sort(rec.partner).values, torch.arange(b))
    m = rec.mask[:, None]
    assert torch.allclose(out, m * x + (1 - m) * x[rec.partner], atol=1e-12)
    rows = soft_labels(y, 4, smoothing).double()
    lam = rec.lam.double()[:, None]
    assert torch.allclose(y_soft.double(), lam * rows + (1 - lam) * rows[rec.partner], atol=1e-6)
    assert torch.allclose(y_soft.sum(1), torch.ones(b, dtype=y_soft.dtype), atol=1e-6)
    assert torch.allclose(rec.lam, rec.mask.mean((-2, -1)).expand(b))


def test_flip_pairs_i_with_b_minus_1_minus_i_and_odd_middle_with_itself():
    assert partners(5, "flip").tolist() == [4, 3, 2, 1, 0]
    x = torch.rand(1, 1, 4, 4)
    out, y_soft, rec = mix(x, torch.tensor([2]), masks.CutMix(), num_classes=3)
    assert torch.allclose(out, x) and rec.partner.tolist() == [0]
    assert torch.allclose(y_soft, torch.tensor([[0.0, 0.0, 1.0]]))


def test_probability_rows_and_user_law():
    x = torch.rand(4, 2, 3, 4)
    y = torch.softmax(torch.randn(4, 3), 1)
    out, y_soft, rec = mix(x, y, HalfAndHalf())
    assert torch.allclose(out[0, :, :, :2], x[0, :, :, :2]) and torch.allclose(out[0, :, :, 2:], x[3, :, :, 2:])
    assert torch.allclose(y_soft, 0.5 * y + 0.5 * y.flip(0))


def test_elem_mode_draws_one_mask_per_image():
    out, _, rec = mix(torch.rand(6, 1, 8, 8), torch.arange(6), masks.CutMix(), num_classes=6, mode="elem", generator=gen(3))
    assert rec.mask.shape == (6, 8, 8) and len(set(rec.lam.tolist())) > 1


def test_same_generator_same_mix():
    x, y = torch.rand(8, 3, 8, 8), torch.arange(8)
    a = mix(x, y, masks.GMix(), num_classes=8, mode="elem", pairing="perm", generator=gen(4))
    b = mix(x, y, masks.GMix(), num_classes=8, mode="elem", pairing="perm", generator=gen(4))
    assert torch.equal(a[0], b[0]) and torch.equal(a[2].partner, b[2].partner)


def test_module_wrapper_train_and_eval():
    aug = MixAugment(masks.Mixup(), num_classes=3, generator=gen(5))
    x, y = torch.rand(4, 1, 5, 5), torch.tensor([0, 1, 2, 0])
    out, y_soft = aug(x, y)
    assert aug.last_record is not None and not torch.equal(out, x)
    aug.eval()
    out, rows = aug(x, y)
    assert torch.equal(out, x) and torch.equal(rows, soft_labels(y, 3))


def test_collate_fn_in_a_dataloader():
    data = TensorDataset(torch.rand(10, 1, 6, 6), torch.arange(10) % 3)
    loader = DataLoader(data, batch_size=4, collate_fn=MixCollate(masks.HMix(), num_classes=3, seed=0))
    batches = list(loader)
    assert [b[0].shape[0] for b in batches] == [4, 4, 2]
    assert all(torch.allclose(b[1].sum(1), torch.ones(len(b[1]))) for b in batches)
    again = list(DataLoader(data, batch_size=4, collate_fn=MixCollate(masks.HMix(), num_classes=3, seed=0)))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(batches, again))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=torch.rand(2, 4, 4), y=torch.tensor([0, 1])), r"x must be a floating tensor \(B, C, H, W\), got torch.Size\(\[2, 4, 4\]\)"),
        (dict(x=torch.zeros(2, 1, 4, 4, dtype=torch.long), y=torch.tensor([0, 1])), r"x must be a floating tensor"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1, 2])), r"y must be a tensor with one label per image \(2\)"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), num_classes=None), r"num_classes is required when labels are class indices"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 5])), r"class indices must lie in \[0, 3\), got range \[0, 5\]"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([[0.5, 0.6], [1.0, 0.0]]), num_classes=None), r"label rows must be non-negative and sum to 1"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), mode="pair"), r"mode must be one of \('batch', 'elem'\), got 'pair'"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), pairing="random"), r"pairing must be one of \('flip', 'perm'\), got 'random'"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), label_smoothing=1.0), r"label_smoothing must be in \[0, 1\), got 1.0"),
        (dict(x=torch.rand(0, 1, 4, 4), y=torch.zeros(0, dtype=torch.long)), r"x must hold at least one image"),
        # one_hot_rows checks its arguments only off its one-comparison common path: each message still comes
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), num_classes=0), r"num_classes must be a positive integer, got 0"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), num_classes=True), r"num_classes must be a positive integer, got True"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), num_classes=2.0), r"num_classes must be a positive integer, got 2.0"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), label_smoothing=float("nan")), r"label_smoothing must be in \[0, 1\), got nan"),
        (dict(x=torch.rand(2, 1, 4, 4), y=torch.tensor([0, 1]), num_classes=None, label_smoothing=-0.1), r"label_smoothing must be in \[0, 1\), got -0.1"),
    ],
)
def test_bad_input_messages(kwargs, message):
    kwargs.setdefault("num_classes", 3)
    with pytest.raises(ValueError, match=message):
        mix(kwargs.pop("x"), kwargs.pop("y"), masks.Mixup(), **kwargs)


class FixedLaw:
    """A user law returning whatever it was built with, to test mix's checks of sampler output."""

    def __init__(self, mask, lam):
        self.mask, self.lam = mask, lam

    def sample(self, n, size, *, generator=None, device=None, dtype=torch.float32):
        return self.mask, self.lam


@pytest.mark.parametrize(
    "mask, lam, message",
    [
        (torch.full((1, 4, 4), 2.0), torch.full((1,), 2.0), r"the sampler's mask values must lie in \[0, 1\], got range \[2, 2\]"),
        (torch.full((1, 4, 4), -0.5), torch.zeros(1), r"the sampler's mask values must lie in \[0, 1\], got range \[-0.5, -0.5\]"),
        (torch.full((1, 4, 4), float("nan")), torch.zeros(1), r"the sampler's mask values must lie in \[0, 1\], got range \[nan, nan\]"),
        (torch.ones(1, 4, 4), torch.full((1,), 1.5), r"the sampler's lam values must lie in \[0, 1\], got range \[1.5, 1.5\]"),
        (torch.ones(1, 4, 5), torch.ones(1), r"the sampler must return a mask of shape \(1, 4, 4\), got \(1, 4, 5\)"),
        (torch.ones(4, 4), torch.ones(1), r"the sampler must return a mask of shape \(1, 4, 4\), got \(4, 4\)"),
        ([[1.0]], torch.ones(1), r"the sampler must return a mask of shape \(1, 4, 4\), got list"),
        (torch.ones(1, 4, 4), torch.ones(1, 1), r"the sampler must return lam of shape \(1,\), got \(1, 1\)"),
    ],
)
def test_user_sampler_output_is_checked(mask, lam, message):
    with pytest.raises(ValueError, match=message):
        mix(torch.rand(2, 1, 4, 4), torch.tensor([0, 1]), FixedLaw(mask, lam), num_classes=2)


def test_elem_mode_needs_one_mask_per_image():
    law = FixedLaw(torch.ones(1, 4, 4), torch.ones(1))
    with pytest.raises(ValueError, match=r"the sampler must return a mask of shape \(3, 4, 4\), got \(1, 4, 4\)"):
        mix(torch.rand(3, 1, 4, 4), torch.tensor([0, 1, 0]), law, num_classes=2, mode="elem")


def test_fmix_threshold_keeps_exactly_the_count_largest():
    # kthvalue selection against a full sort, per image, with counts differing between images (elem mode).
    from msda_theory.masks.fmix import binarize_top

    values = torch.rand(6, 5, 7, generator=gen(11), dtype=torch.float64)
    count = torch.tensor([0, 1, 17, 34, 35, 20])
    got = binarize_top(values, count)
    order = values.reshape(6, -1).argsort(1, descending=True)
    for k in range(6):
        expected = torch.zeros(35, dtype=torch.float64)
        expected[order[k, : count[k]]] = 1.0
        assert torch.equal(got[k].reshape(-1), expected)
    same = binarize_top(values, torch.full((6,), 12))  # one kthvalue call for the batch
    assert torch.equal(same.sum((1, 2)), torch.full((6,), 12.0, dtype=torch.float64))


@pytest.mark.parametrize("family", ["mixup", "cutmix", "hmix", "gmix", "fmix"])
@pytest.mark.parametrize("mode", ["batch", "elem"])
@pytest.mark.parametrize("pairing", ["flip", "perm"])
def test_inplace_gives_the_same_mix_written_into_x(family: str, mode: str, pairing: str) -> None:
    sampler = masks.get(family)
    x, y = torch.rand(6, 3, 10, 10, dtype=torch.float64), torch.arange(6) % 4
    for seed in range(10):
        expected, y_expected, record = mix(x, y, sampler, num_classes=4, mode=mode, pairing=pairing,
                                           generator=torch.Generator().manual_seed(seed))
        buffer = x.clone()
        out, y_soft, _ = mix(buffer, y, sampler, num_classes=4, mode=mode, pairing=pairing, inplace=True,
                             generator=torch.Generator().manual_seed(seed))
        assert out is buffer
        assert torch.allclose(out, expected, atol=1e-12) and torch.equal(y_soft, y_expected)


def test_cutmix_boxes_are_the_draws_of_sample_and_the_zeros_of_its_masks() -> None:
    cutmix = masks.get("cutmix")
    mask, lam = cutmix.sample(200, (9, 13), generator=torch.Generator().manual_seed(5))
    mask2, lam2, boxes = cutmix.sample_boxes(200, (9, 13), generator=torch.Generator().manual_seed(5))
    assert torch.equal(mask, mask2) and torch.equal(lam, lam2)
    for m, (top, bottom, left, right) in zip(mask, boxes.tolist()):
        inside = torch.zeros(9, 13, dtype=torch.bool)
        inside[top:bottom, left:right] = True
        assert torch.equal(m == 0, inside) and bool((m[~inside] == 1).all())


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_non_finite_images_are_refused_with_their_count(bad: float, dtype: torch.dtype) -> None:
    x = torch.rand(3, 2, 4, 4).to(dtype)
    x[0, 1, 2, 3] = x[2, 0, 0, 0] = bad
    with pytest.raises(ValueError, match=r"^x holds 2 non-finite values$"):
        mix(x, torch.tensor([0, 1, 2]), masks.CutMix(), num_classes=3)  # on by default
    out, _, _ = mix(x, torch.tensor([0, 1, 2]), masks.CutMix(), num_classes=3, check_finite=False)  # a checked caller
    assert out.shape == x.shape


def test_large_finite_images_whose_sum_overflows_are_accepted() -> None:
    x = torch.full((2, 1, 4, 4), 3e38)  # the sum overflows to inf, yet every value is finite
    out, _, _ = mix(x, torch.tensor([0, 1]), masks.Mixup(), num_classes=2, check_finite=True)
    assert bool(torch.isfinite(out).all())


def test_non_finite_label_rows_are_named() -> None:
    rows = torch.tensor([[0.5, 0.5], [float("nan"), 1.0]])
    with pytest.raises(ValueError, match=r"^y holds 1 non-finite values$"):
        mix(torch.rand(2, 1, 4, 4), rows, masks.Mixup())


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_one_hot_rows_equal_the_smoothed_identity_rows(smoothing: float, dtype: torch.dtype) -> None:
    y = torch.tensor([2, 0, 2, 4], dtype=torch.int32)
    expected = (1 - smoothing) * torch.eye(5, dtype=torch.float64)[y.long()] + smoothing / 5
    rows = one_hot_rows(y, 5, smoothing, dtype=dtype)
    assert rows.dtype == dtype and torch.allclose(rows.double(), expected, atol=1e-7)
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 5\), got range \[-1, 2\]"):
        one_hot_rows(torch.tensor([2, -1]), 5)


def test_flip_partners_are_built_on_request() -> None:
    _, _, record = mix(torch.rand(5, 1, 4, 4), torch.arange(5), masks.HMix(), num_classes=5)
    assert record.permutation is None and record.partner.tolist() == [4, 3, 2, 1, 0]
