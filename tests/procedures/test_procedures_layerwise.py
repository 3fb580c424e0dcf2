"""procedures.layer_stack, layerwise and layerwise_autoencoder: greedy layer-wise pre-training
(supervised, and with autoencoders) then fine-tuning, on tiny data.

Each phase is watched by a real Trainer callback that compares the model's whole state (the
parameters and the batch-norm buffers) before and after the phase: the phase of hidden layer k
changes layer k (and, at the top, the output layer) and nothing else; fine-tuning changes all.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.procedures.base import Stage
from learnlab.procedures.layer_stack import split_layers
from learnlab.procedures.layerwise import greedy_supervised
from learnlab.procedures.layerwise_autoencoder import greedy_autoencoder
from learnlab.train.events import Callback


def _data(n: int = 96, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs in [0, 1] (as pixels) shaped like tiny images, and 3 classes that depend on them."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 3, 4, generator=g)
    y = (x.flatten(1)[:, :4].sum(1) * 1.5).long().clamp(max=2)
    return x, y


def _loader(seed: int = 0) -> TensorLoader:
    x, y = _data(seed=seed)
    return TensorLoader(x, y, batch_size=16, seed=seed)


def _mlp(depth: int = 3, **options) -> nn.Module:
    torch.manual_seed(0)
    return build_model("mlp", (1, 3, 4), 3, depth=depth, width=6, activation="sigmoid", **options)


class ChangedPerPhase(Callback):
    """For each phase (one Trainer.fit), the top-level layer names of `model` whose state (a
    parameter or a buffer) the phase changed."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.changed, self.before = model, [], {}

    def before_fit(self, trainer) -> None:
        self.before = {k: v.clone() for k, v in self.model.state_dict().items()}

    def after_fit(self, trainer) -> None:
        after = self.model.state_dict()
        names = {k.split(".")[0] for k, v in after.items() if not torch.equal(v, self.before[k])}
        self.changed.append(sorted(names))


def _sgd(epochs: int) -> Stage:
    return Stage(epochs=epochs, optimizer="sgd", lr=0.5)


def test_split_layers_groups_the_registered_mlp_and_a_users_nested_sequential():
    stack = split_layers(_mlp(depth=2, norm="batch", dropout=0.1))
    assert stack.depth == 2 and [stack.width(k) for k in range(2)] == [6, 6]
    assert [type(m).__name__ for m in stack.prefix] == ["Flatten"]
    assert [type(m).__name__ for m in stack.blocks[0]] == [
        "Linear", "BatchNorm1d", "Sigmoid", "Dropout",
    ]  # fmt: skip
    user = nn.Sequential(
        nn.Flatten(),
        nn.Sequential(nn.Linear(12, 5), nn.Tanh()),
        nn.Linear(5, 4),
        nn.ReLU(),
        nn.Linear(4, 3),
        nn.LogSoftmax(dim=1),
    )
    stack = split_layers(user)
    assert stack.depth == 2 and stack.output_linear is user[4]
    assert stack.blocks[0][0] is user[1][0]  # the model's own modules, not copies
    assert [type(m).__name__ for m in stack.temporary_head(0)] == ["Linear", "LogSoftmax"]
    assert stack.temporary_head(0)[0].in_features == 5


class _NotSequential(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        return self.fc(x.flatten(1))


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (_NotSequential(), r"nn.Sequential of nn.Linear.*got a _NotSequential"),
        (
            nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4, 3)),
            "module '0' \\(Conv2d\\) has parameters",
        ),
        (nn.Sequential(nn.Flatten(), nn.Linear(12, 3)), "at least one hidden layer.* has 1"),
        (
            nn.Sequential(nn.LayerNorm(12), nn.Linear(12, 4), nn.Sigmoid(), nn.Linear(4, 3)),
            "before the first nn.Linear",
        ),
        (
            nn.Sequential(nn.Linear(12, 4), nn.Sigmoid(), nn.Linear(4, 3), nn.LayerNorm(3)),
            "output nn.Linear is followed by a layer with parameters",
        ),
    ],
)
def test_a_model_that_does_not_split_into_layers_is_a_config_error(model, match):
    with pytest.raises(ConfigError, match=match):
        greedy_supervised(model, _loader(), _sgd(1), _sgd(1))
    with pytest.raises(ConfigError, match=match):
        greedy_autoencoder(model, _loader(), _sgd(1), _sgd(1))


def test_supervised_phases_train_one_layer_each_with_the_lower_ones_frozen():
    model = _mlp(depth=3, norm="batch")
    watch = ChangedPerPhase(model)
    result = greedy_supervised(model, _loader(), _sgd(2), _sgd(2), callbacks=[watch])
    assert [p.name for p in result.phases] == [
        "supervised layer 1", "supervised layer 2", "supervised layer 3", "fine-tune",
    ]  # fmt: skip
    # layer k alone (its batch norm too); the top layer's phase trains the model's own head;
    # the frozen layers' batch-norm statistics stay as they were
    assert watch.changed == [
        ["fc1", "norm1"],
        ["fc2", "norm2"],
        ["fc3", "norm3", "out"],
        ["fc1", "fc2", "fc3", "norm1", "norm2", "norm3", "out"],
    ]
    assert result.model is model and len(result.fine_tuning.history) == 2
    assert [len(p.history) for p in result.pretraining] == [2, 2, 2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.model = model  # type: ignore[misc]
    x, _ = _data(5)
    assert model(x).shape == (5, 3)


def test_without_freezing_each_supervised_phase_trains_every_layer_built_so_far():
    model = _mlp(depth=3)
    watch = ChangedPerPhase(model)
    greedy_supervised(model, _loader(), _sgd(1), _sgd(1), freeze_lower=False, callbacks=[watch])
    assert watch.changed == [
        ["fc1"], ["fc1", "fc2"], ["fc1", "fc2", "fc3", "out"], ["fc1", "fc2", "fc3", "out"],
    ]  # fmt: skip


def test_supervised_greedy_training_fits_the_tiny_task_and_reports_validation():
    model = _mlp(depth=2)
    val = TensorLoader(*_data(64, seed=1), batch_size=64, shuffle=False)
    result = greedy_supervised(model, _loader(), _sgd(15), _sgd(15), val_loader=val)
    first = result.phases[0].history
    assert first[-1]["train_loss"] < first[0]["train_loss"]
    assert result.fine_tuning.last("val_accuracy") > 0.6  # chance is at most 0.45 here
    assert "val_accuracy" in first[-1]  # the temporary network's


def test_autoencoder_phases_train_one_hidden_layer_each_and_not_the_output_layer():
    model = _mlp(depth=3)
    watch = ChangedPerPhase(model)
    stage = Stage(epochs=3, optimizer="adam", lr=0.02)
    result = greedy_autoencoder(model, _loader(), stage, _sgd(1), callbacks=[watch])
    assert [p.name for p in result.phases] == [
        "autoencoder layer 1", "autoencoder layer 2", "autoencoder layer 3", "fine-tune",
    ]  # fmt: skip
    assert watch.changed == [["fc1"], ["fc2"], ["fc3"], ["fc1", "fc2", "fc3", "out"]]
    for phase in result.pretraining:  # each layer learns to reconstruct its input
        assert phase.last("train_loss") < phase.history[0]["train_loss"]
        assert "train_mse" in phase.history[-1]
    x, _ = _data(7)
    assert model(x).shape == (7, 3)


def test_autoencoder_pretraining_is_fixed_by_its_seed_and_masking_changes_it():
    def first_layer(masking: float) -> torch.Tensor:
        model = _mlp(depth=2)
        greedy_autoencoder(model, _loader(), _sgd(1), Stage(epochs=0), masking=masking, seed=3)
        return model.fc1.weight.detach()

    assert torch.equal(first_layer(0.3), first_layer(0.3))
    assert not torch.equal(first_layer(0.3), first_layer(0.0))


def test_bernoulli_reconstruction_of_inputs_outside_0_1_is_a_config_error_naming_mse():
    torch.manual_seed(0)
    model = build_model("mlp", (1, 3, 4), 3, depth=2, width=6, activation="tanh")
    # layer 1's inputs are pixels in [0, 1]; layer 2's are tanh codes in (-1, 1)
    with pytest.raises(ConfigError, match="layer 2's inputs range over .*reconstruction='mse'"):
        greedy_autoencoder(model, _loader(), _sgd(1), _sgd(1))
    result = greedy_autoencoder(model, _loader(), _sgd(1), _sgd(1), reconstruction="mse")
    assert len(result.phases) == 3


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"reconstruction": "l1"}, "reconstruction must be one of bce, mse"),
        ({"masking": 1.0}, "masking must be a probability"),
    ],
)
def test_bad_autoencoder_settings_are_config_errors(options, match):
    with pytest.raises(ConfigError, match=match):
        greedy_autoencoder(_mlp(), _loader(), _sgd(1), _sgd(1), **options)


def test_a_fully_frozen_model_cannot_be_fine_tuned():
    model = _mlp(depth=1)
    model.requires_grad_(False)
    with pytest.raises(ConfigError, match="nothing to train"):
        greedy_supervised(model, _loader(), Stage(epochs=0), _sgd(1))
