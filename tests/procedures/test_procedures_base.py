"""procedures.base: one phase of training through the Trainer."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.objectives.supervised import CrossEntropy
from learnlab.procedures.base import Stage, StageHistory, train_stage


def _loader(seed: int = 0) -> TensorLoader:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 5, generator=g)
    y = (x[:, 0] > 0).long()
    return TensorLoader(x, y, batch_size=16, seed=seed)


def test_train_stage_lowers_the_loss_and_records_each_epoch() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(5, 2)
    phase = train_stage(model, CrossEntropy(), _loader(), Stage(epochs=5, lr=0.05), name="fit")
    assert phase.name == "fit" and len(phase.history) == 5
    assert phase.last("train_loss") < phase.history[0]["train_loss"]


def test_frozen_parameters_stay_as_they_were() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model[0].requires_grad_(False)
    before = model[0].weight.detach().clone()
    train_stage(
        model, CrossEntropy(), _loader(), Stage(epochs=2, optimizer="sgd", lr=0.1), name="top"
    )
    assert torch.equal(model[0].weight, before)


def test_parameter_groups_keep_their_own_learning_rates() -> None:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    before = model[0].weight.detach().clone()
    groups = [{"params": model[0].parameters(), "lr": 0.0}, {"params": model[2].parameters()}]
    phase = train_stage(
        model,
        CrossEntropy(),
        _loader(),
        Stage(epochs=1, optimizer="sgd", lr=0.1),
        name="groups",
        parameters=groups,
    )
    assert torch.equal(model[0].weight, before)
    assert phase.last("lr") == 0.0  # the first group's lr, as the Trainer records it


def test_zero_epochs_train_nothing() -> None:
    model = torch.nn.Linear(5, 2)
    before = model.weight.detach().clone()
    phase = train_stage(model, CrossEntropy(), _loader(), Stage(epochs=0), name="skip")
    assert phase == StageHistory("skip", ()) and torch.equal(model.weight, before)


def test_bad_settings_name_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="epochs must be an integer >= 0"):
        Stage(epochs=-1)
    model = torch.nn.Linear(5, 2).requires_grad_(False)
    with pytest.raises(ConfigError, match="nothing to train"):
        train_stage(model, CrossEntropy(), _loader(), Stage(epochs=1), name="frozen")
    with pytest.raises(ConfigError, match="optimizer"):
        train_stage(torch.nn.Linear(5, 2), CrossEntropy(), _loader(), Stage(1, "adamm"), name="x")
    with pytest.raises(KeyError, match="val_accuracy"):
        StageHistory("fit", ({"train_loss": 1.0},)).last("val_accuracy")
