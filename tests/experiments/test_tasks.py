"""The synthetic tasks of claim 11: balanced, generator-deterministic, and learnable."""
import pytest
import torch

from msda_theory.experiments import tasks


@pytest.fixture(scope="module")
def backgrounds():
    return tasks.backgrounds("digits")  # (1500, 1, 8, 8)


@pytest.mark.parametrize("name", tasks.TASKS)
def test_balanced_and_deterministic(name, backgrounds):
    a = tasks.make_task(name, backgrounds, 101, generator=torch.Generator().manual_seed(3))
    b = tasks.make_task(name, backgrounds, 101, generator=torch.Generator().manual_seed(3))
    c = tasks.make_task(name, backgrounds, 101, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, c.x)
    assert int((a.y == 0).sum()) == 51 and int((a.y == 1).sum()) == 50
    assert a.x.shape == (101, 1, 8, 8) and a.x.dtype == torch.float32
    assert float(a.x.min()) >= 0 and float(a.x.max()) <= 1 and a.num_classes == 2


def _cross_found(x):
    """Matched filter on lit pixels (x == 1): some 3×3 window holds the whole '×' (score 5)."""
    lit = (x == 1.0).float()
    return torch.nn.functional.conv2d(lit, tasks.CROSS[None, None]).flatten(1).max(1).values == 5


def test_local_task_label_is_in_the_patch(backgrounds):
    t = tasks.local_task(backgrounds, 400, generator=torch.Generator().manual_seed(0))
    # backgrounds are scaled to ≤ 0.6, so the only pixels equal to 1 are the pattern's
    predicted = _cross_found(t.x).long()
    assert float((predicted == t.y).float().mean()) == 1.0


def test_global_task_label_is_the_orientation():
    flat = torch.full((10, 1, 8, 8), 0.5)  # a flat background: the wave alone decides
    t = tasks.global_task(flat, 400, generator=torch.Generator().manual_seed(0), amplitude=0.25)
    # energy of the first Fourier coefficient of the row profile versus the column profile
    rows = torch.fft.rfft(t.x[:, 0].mean(2), dim=1)[:, 1].abs()
    cols = torch.fft.rfft(t.x[:, 0].mean(1), dim=1)[:, 1].abs()
    predicted = (cols > rows).long()
    assert float((predicted == t.y).float().mean()) == 1.0


def test_local_task_is_learnable_by_the_cnn(backgrounds):
    from msda_theory.experiments.runtime import torch_threads
    from msda_theory.train import TrainConfig, fit

    train = tasks.local_task(backgrounds, 600, generator=torch.Generator().manual_seed(0))
    test = tasks.local_task(backgrounds, 300, generator=torch.Generator().manual_seed(1))
    config = TrainConfig(data="synthetic", model="cnn", optimizer="adam", lr=2e-3, epochs=8, batch_size=64)
    with torch_threads(1):
        result = fit(config, progress=False, keep_config_data=True, train_data=train, test_data=test)
    assert result.metrics["epochs"][-1]["test_accuracy"] > 0.8


def test_bad_arguments(backgrounds):
    with pytest.raises(ValueError, match="unknown task 'x'"):
        tasks.make_task("x", backgrounds, 4)
    with pytest.raises(ValueError, match="amplitude must be > 0"):
        tasks.global_task(backgrounds, 4, amplitude=0.0)
    with pytest.raises(ValueError, match="backgrounds must be a non-empty"):
        tasks.local_task(torch.zeros(0, 1, 8, 8), 4)
