"""procedures.transfer: layers of a model, freezing the first k, discriminative learning rates,
gradual unfreezing, a new head, and frozen batch norm."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.objectives.supervised import CrossEntropy
from learnlab.procedures.base import Stage
from learnlab.procedures.transfer import (
    discriminative_groups,
    fine_tune,
    model_layers,
    replace_head,
)
from learnlab.train.events import Callback


def _images(n: int = 48, classes: int = 3, seed: int = 0) -> TensorLoader:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, 16, 16, generator=g)
    y = torch.randint(0, classes, (n,), generator=g)
    return TensorLoader(x, y, batch_size=16, seed=seed)


def _copies(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_layers_of_registered_and_user_models() -> None:
    mlp = build_model("mlp", (1, 16, 16), 10, depth=2, width=8, norm="batch")
    assert [layer.name for layer in model_layers(mlp)] == ["fc1", "fc2", "out"]
    # batch norm joins the layer whose output it normalises
    assert model_layers(mlp)[0].modules == (mlp.fc1, mlp.norm1)
    lenet = build_model("lenet5", (1, 16, 16), 10)
    assert [layer.name for layer in model_layers(lenet)] == [
        "features.conv1",
        "features.conv2",
        "classifier.fc1",
        "classifier.fc2",
        "classifier.out",
    ]
    cnn = build_model("mnist-cnn", (1, 16, 16), 10)
    assert [layer.name for layer in model_layers(cnn)][-2:] == ["classifier.fc1", "classifier.out"]
    user = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(392, 3))
    assert [layer.name for layer in model_layers(user)] == ["0", "3"]
    grouped = model_layers(
        lenet, layers=["features", ["classifier.fc1", "classifier.fc2"], "classifier.out"]
    )
    assert [layer.name for layer in grouped] == [
        "features",
        "classifier.fc1+classifier.fc2",
        "classifier.out",
    ]
    assert len(grouped[0].parameters()) == 4


def test_layers_override_must_name_real_disjoint_submodules_covering_the_model() -> None:
    lenet = build_model("lenet5", (1, 16, 16), 10)
    with pytest.raises(ConfigError, match=r"no submodule 'features.conv3'.*features.conv1"):
        model_layers(lenet, layers=["features.conv3"])
    with pytest.raises(ConfigError, match=r"in none: \['classifier"):
        model_layers(lenet, layers=["features"])
    with pytest.raises(ConfigError, match=r"in two layers"):
        model_layers(lenet, layers=["features", "features.conv1", "classifier"])


@pytest.mark.parametrize("k", [6, -1, 1.5, True])
def test_a_bad_k_names_k_the_count_and_the_layers(k) -> None:
    lenet = build_model("lenet5", (1, 16, 16), 3)
    with pytest.raises(ConfigError, match=rf"k={k!r}.* 5 layers \(features.conv1, .*out\)"):
        fine_tune(lenet, CrossEntropy(), _images(), Stage(epochs=1), k=k)


def test_frozen_layers_do_not_change_and_the_rest_do() -> None:
    torch.manual_seed(0)
    model = build_model("lenet5", (1, 16, 16), 3)
    before = _copies(model)
    # momentum and weight decay would move a frozen weight if an optimizer held it
    stage = Stage(epochs=2, optimizer="momentum", lr=0.05, weight_decay=1e-2)
    done = fine_tune(model, CrossEntropy(), _images(), stage, k=3)
    assert done.frozen == ("features.conv1", "features.conv2", "classifier.fc1")
    after = model.state_dict()
    for key in before:
        frozen = key.startswith(("features.", "classifier.fc1."))
        assert torch.equal(before[key], after[key]) == frozen, key
    assert [p.requires_grad for p in model.parameters()] == [False] * 6 + [True] * 4


def test_k_equal_to_the_number_of_layers_trains_nothing() -> None:
    model = build_model("mlp", (1, 16, 16), 3, depth=1, width=4)
    before = _copies(model)
    done = fine_tune(model, CrossEntropy(), _images(), Stage(epochs=2), k=2)
    assert done.phases == () and done.frozen == ("fc1", "out")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_batch_norm_of_frozen_layers_keeps_its_running_statistics() -> None:
    torch.manual_seed(0)
    model = build_model("mlp", (1, 16, 16), 3, depth=2, width=8, norm="batch")
    before = _copies(model)
    fine_tune(model, CrossEntropy(), _images(), Stage(epochs=1, lr=0.01), k=1)
    after = model.state_dict()
    for stat in ("running_mean", "running_var", "num_batches_tracked"):
        assert torch.equal(before[f"norm1.{stat}"], after[f"norm1.{stat}"])  # frozen
        assert not torch.equal(before[f"norm2.{stat}"], after[f"norm2.{stat}"])  # trained


def test_discriminative_learning_rates_shrink_by_decay_per_layer_down_from_the_top() -> None:
    layers = model_layers(build_model("lenet5", (1, 16, 16), 3))
    groups = discriminative_groups(layers, 0.01, 2.0, start=2)
    assert [g["lr"] for g in groups] == pytest.approx([0.01 / 4, 0.01 / 2, 0.01])
    assert [len(g["params"]) for g in groups] == [2, 2, 2]
    assert {g["lr"] for g in discriminative_groups(layers, 0.01, None)} == {0.01}
    with pytest.raises(ConfigError, match="decay=0.5"):
        discriminative_groups(layers, 0.01, 0.5)


def test_discriminative_rates_are_what_the_optimizer_uses() -> None:
    """With plain SGD, one step moves each layer by its own lr times its gradient."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))
    x, y = torch.randn(8, 4), torch.randint(0, 3, (8,))
    nn.functional.cross_entropy(model(x), y).backward()
    grads = [model[0].weight.grad.clone(), model[2].weight.grad.clone()]
    weights = [model[0].weight.detach().clone(), model[2].weight.detach().clone()]
    loader = TensorLoader(x, y, batch_size=8, shuffle=False)
    fine_tune(model, CrossEntropy(), loader, Stage(epochs=1, optimizer="sgd", lr=0.1), decay=4.0)
    for layer, lr, grad, weight in zip((0, 2), (0.025, 0.1), grads, weights, strict=True):
        torch.testing.assert_close(model[layer].weight, weight - lr * grad)


class _Trainable(Callback):
    """Records which parameters train in each phase."""

    def __init__(self, model: nn.Module, seen: list[list[bool]]) -> None:
        self.model, self.seen = model, seen

    def before_fit(self, trainer) -> None:
        self.seen.append([p.requires_grad for p in self.model.parameters()])


def test_gradual_unfreezing_adds_one_layer_from_the_top_per_phase() -> None:
    torch.manual_seed(0)
    model = build_model("mlp", (1, 16, 16), 3, depth=3, width=4)  # fc1 fc2 fc3 out
    seen: list[list[bool]] = []
    done = fine_tune(
        model,
        CrossEntropy(),
        _images(),
        Stage(epochs=4, lr=0.01),
        k=1,
        gradual=True,
        callbacks=[_Trainable(model, seen)],
    )
    assert [len(p.history) for p in done.phases] == [1, 1, 2]
    assert [p.name for p in done.phases][0] == "fine-tune: top 1 layer(s)"
    # two tensors (weight, bias) per layer: fc1 never trains, out from the start
    assert seen == [
        [False] * 6 + [True] * 2,
        [False] * 4 + [True] * 4,
        [False] * 2 + [True] * 6,
    ]
    with pytest.raises(ConfigError, match=r"epochs >= .* = 3, got epochs=2"):
        fine_tune(model, CrossEntropy(), _images(), Stage(epochs=2), k=1, gradual=True)
    with pytest.raises(ConfigError, match="epochs_per_layer=0"):
        fine_tune(
            model, CrossEntropy(), _images(), Stage(epochs=9), gradual=True, epochs_per_layer=0
        )


def test_a_new_head_for_a_new_number_of_classes_trains_while_the_body_is_frozen() -> None:
    torch.manual_seed(0)
    model = build_model("lenet5", (1, 16, 16), 10)
    head = replace_head(model, 3)
    assert model.classifier.out is head and head.out_features == 3
    before = _copies(model)
    fine_tune(model, CrossEntropy(), _images(classes=3), Stage(epochs=1, lr=0.01), k=4)
    assert model(torch.zeros(2, 1, 16, 16)).shape == (2, 3)
    assert not torch.equal(before["classifier.out.weight"], model.classifier.out.weight)
    assert torch.equal(before["classifier.fc2.weight"], model.classifier.fc2.weight)
    # in one call: the new head replaces the old and trains; all layers frozen is refused
    other = build_model("mlp", (1, 16, 16), 10, depth=1, width=4)
    done = fine_tune(other, CrossEntropy(), _images(classes=3), Stage(epochs=1), k=1, num_outputs=3)
    assert other.out.out_features == 3 and done.frozen == ("fc1",)
    with pytest.raises(ConfigError, match="k=2 freezes all 2 layers, the new head too"):
        fine_tune(other, CrossEntropy(), _images(), Stage(epochs=1), k=2, num_outputs=3)
    conv_top = nn.Sequential(nn.Linear(4, 4), nn.Conv1d(1, 1, 1))
    with pytest.raises(ConfigError, match="must be one nn.Linear"):
        replace_head(conv_top, 3)
