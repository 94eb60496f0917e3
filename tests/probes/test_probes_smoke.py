"""The probe pipelines at a tiny size: shapes, ranges and the figure functions reading a cache."""
import json

import pytest
import torch

from msda_theory.probes import cache
from msda_theory.probes.first_layer import first_layer_probe
from msda_theory.probes.robustness import RobustnessSettings, robustness_probe
from msda_theory.probes.runtime import torch_threads
from msda_theory.probes.strategies import pixel_weights
from msda_theory.train import TrainConfig


@pytest.fixture(scope="module")
def tiny():
    base = TrainConfig(data="digits", model="cnn", optimizer="adam", lr=2e-3, epochs=1, batch_size=128, subset=300)
    settings = RobustnessSettings(eps={"linf": (0.02,), "l2": (0.1,)}, n_eval=60, pgd_steps=3)
    with torch_threads(1):
        summary, runs = robustness_probe(base, ("none", "mixup", "cutmix"), (0, 1), settings=settings,
                                         generator=torch.Generator().manual_seed(0))
        from msda_theory import data as datasets

        x = datasets.load("digits").x[:300]
        weights = {s: pixel_weights(s, (8, 8)).a_pq for s in ("mixup", "cutmix")}
        layer = first_layer_probe(runs, x, weights)
    return summary, layer


def test_robustness_summary(tiny):
    summary, _ = tiny
    row = summary["mixup"]["pgd"]["linf"]
    assert row["eps"] == [0.0, 0.02]
    assert all(0 <= a["mean"] <= 1 for a in row["accuracy"])
    assert len(row["per_seed"][1]) == 2
    # the clean accuracy (ε = 0) is the same number under every attack and norm
    assert summary["mixup"]["fgsm"]["l2"]["per_seed"][0] == row["per_seed"][0]
    assert set(summary["clean"]) == {"none", "mixup", "cutmix"}
    with pytest.raises(ValueError, match="must start with 'none'"):
        robustness_probe(TrainConfig(), ("mixup",), (0,))


def test_first_layer_summary(tiny):
    _, layer = tiny
    assert all(v == 1.0 for v in layer["ratio"]["none"].values())
    assert all(layer["penalty"][t][s] > 0 for t in layer["penalty"] for s in layer["penalty"][t])
    assert abs(sum(layer["spectrum"]["mixup"]) - 1) < 1e-9


def test_figures_read_the_cache(tiny, tmp_path):
    from msda_theory.figures.fig_probes import first_layer_spectra, robust_accuracy
    from msda_theory.figures.registry import FigureContext

    summary, layer = tiny
    cache.save(tmp_path, "robustness", True, {"summary": summary, "first_layer": layer})
    ctx = FigureContext(out_dir=tmp_path, quick=True)
    for draw in (robust_accuracy, first_layer_spectra):
        paths = draw(ctx)
        assert all(p.is_file() for p in paths)
        assert "data" in json.loads(paths[2].read_text())


def test_task_dependence_figure_reads_the_cache(tmp_path):
    from msda_theory.figures.fig_probes import task_dependence
    from msda_theory.figures.registry import FigureContext
    from msda_theory.probes.task_dependence import PREDICTION, verdict

    acc = {"mean": 0.8, "low": 0.7, "high": 0.9, "n": 3, "confidence": 0.95}
    fake = {"prediction": PREDICTION, "size": 8, "n_train": 10, "seeds": [0, 1, 2], "task_params": {},
            "tasks": {name: {"accuracy": {"mixup": acc, "cutmix": acc},
                             "mixup_minus_cutmix": {"mean": sign * 0.05, "low": sign * 0.05 - 0.01 * sign,
                                                    "high": sign * 0.05 + 0.01 * sign}}
                      for name, sign in (("local", 1), ("global", -1))}}
    for t in fake["tasks"].values():  # keep low <= high for the negative sign
        d = t["mixup_minus_cutmix"]
        d["low"], d["high"] = min(d["low"], d["high"]), max(d["low"], d["high"])
    assert verdict(fake) == "holds"
    cache.save(tmp_path, "task_dependence", True, fake)
    paths = task_dependence(FigureContext(out_dir=tmp_path, quick=True))
    assert all(p.is_file() for p in paths)
