"""fit's one way to take data: train_data / test_data, keep_config_data, and the deprecated train_set / test_set."""
from __future__ import annotations

import pytest
import torch

from msda_theory.train import TrainConfig, fit

TIMING = {"seconds", "train_seconds", "mix_seconds"}
CONFIG = TrainConfig(data="fashion-mnist", model="cnn", strategy="cutmix", epochs=2, batch_size=32, mode="elem",
                     pairing="perm")


def records(result) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in TIMING} for r in result.metrics["epochs"]]


def same_weights(a, b) -> bool:
    sa, sb = a.model.state_dict(), b.model.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_keep_config_data_records_the_config_as_given_and_trains_the_same(tiny) -> None:
    kept = fit(CONFIG, progress=False, train_data=tiny[0], test_data=tiny[1], keep_config_data=True)
    named = fit(CONFIG, progress=False, train_data=tiny[0], test_data=tiny[1])
    assert kept.config.to_dict() == CONFIG.to_dict() and kept.metrics["config"] == CONFIG.to_dict()
    assert named.config.data == f"custom:{type(tiny[0]).__name__}"
    assert named.config.to_dict() == {**CONFIG.to_dict(), "data": named.config.data}
    assert same_weights(kept, named) and records(kept) == records(named)  # the name changes nothing else
    assert records(kept)[-1]["epoch"] == 2 and records(kept)[-1]["test_accuracy"] is not None


def test_the_deprecated_aliases_warn_and_give_the_same_run(tiny) -> None:
    with pytest.warns(DeprecationWarning, match=r"fit\(train_set=\.\.\., test_set=\.\.\.\) is deprecated .* "
                                                r"keep_config_data=True"):
        alias = fit(CONFIG, progress=False, train_set=tiny[0], test_set=tiny[1])
    kept = fit(CONFIG, progress=False, train_data=tiny[0], test_data=tiny[1], keep_config_data=True)
    assert alias.config.to_dict() == kept.config.to_dict() == CONFIG.to_dict()
    assert same_weights(alias, kept) and records(alias) == records(kept)


def test_an_unknown_keyword_is_a_type_error(tiny) -> None:
    with pytest.raises(TypeError, match=r"fit\(\) got unexpected keyword arguments \['train'\]"):
        fit(CONFIG, progress=False, train=tiny[0])


def test_keep_config_data_needs_train_data() -> None:
    with pytest.raises(ValueError, match=r"keep_config_data=True needs train_data"):
        fit(CONFIG, progress=False, keep_config_data=True)


def test_test_data_and_test_set_together_are_refused(tiny) -> None:
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="pass test_data or test_set, not both"):
        fit(CONFIG, progress=False, train_data=tiny[0], test_data=tiny[1], test_set=tiny[1])
