"""Channel pruning builds the smaller dense model that computes what the original computes
with the removed channels zeroed where the next layer reads them."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from learnlab.deploy.channels import find_stages, kept_filters, prune_channels
from learnlab.io.errors import ConfigError
from learnlab.models import build_model

CASES = [
    ("lenet5", (1, 28, 28), 10, {}),
    ("mnist-cnn", (1, 16, 16), 10, {}),
    ("speedrun-cnn", (1, 28, 28), 10, {"channels_last": False}),
    ("speedrun-cnn", (1, 28, 28), 10, {}),  # channels-last layout: a traced .contiguous()
    ("conv4", (1, 16, 16), 5, {"width": 8}),
    ("grid-cnn", (3, 8, 8), 8, {}),
]


def _trained_like(model: nn.Module) -> nn.Module:
    """Random batch-norm statistics, so that the norms' cut is tested too."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.normal_(generator=generator)
            module.running_var.uniform_(0.5, 2.0, generator=generator)
            module.weight.data.normal_(generator=generator)
            module.bias.data.normal_(generator=generator)
    return model.eval()


@torch.no_grad()
def _zeroed_reference(model: nn.Module, pruning) -> nn.Module:
    """The original with each removed channel's weights in the next layer set to zero."""
    reference = copy.deepcopy(model)
    modules = dict(reference.named_modules())
    for stage in find_stages(model):
        removed = torch.ones(pruning.channels_before[stage.conv], dtype=torch.bool)
        removed[pruning.kept[stage.conv]] = False
        consumer = modules[stage.consumer]
        if stage.consumer_is_linear:
            spatial = consumer.in_features // len(removed)
            consumer.weight[:, removed.repeat_interleave(spatial)] = 0
        else:
            consumer.weight[:, removed] = 0
    return reference


@pytest.mark.parametrize(("name", "shape", "outputs", "options"), CASES)
def test_pruned_model_equals_original_with_removed_channels_zeroed(name, shape, outputs, options):
    torch.manual_seed(0)
    model = _trained_like(build_model(name, shape, outputs, **options))
    before = copy.deepcopy(model.state_dict())
    pruning = prune_channels(model, 0.5)
    x = torch.randn(8, *shape)
    with torch.no_grad():
        expected = _zeroed_reference(model, pruning)(x)
        got = pruning.model(x)
    torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-6)
    small_params = sum(p.numel() for p in pruning.model.parameters())
    assert small_params < sum(p.numel() for p in model.parameters())
    for key, value in model.state_dict().items():  # the original is never modified
        assert torch.equal(value, before[key]), key


def test_lenet5_half_channels_shapes_and_l1_ranking():
    torch.manual_seed(0)
    model = build_model("lenet5", (1, 28, 28), 10)
    pruning = prune_channels(model, 0.5)
    small = pruning.model
    assert (small.features.conv1.out_channels, small.features.conv2.in_channels) == (3, 3)
    assert small.features.conv2.out_channels == 8
    assert small.classifier.fc1.in_features == 8 * 5 * 5
    norms = model.features.conv2.weight.abs().sum(dim=(1, 2, 3))
    kept = set(pruning.kept["features.conv2"].tolist())
    assert min(norms[list(kept)]) >= max(norms[[i for i in range(16) if i not in kept]])
    first = model.features.conv1.weight.abs().sum(dim=(1, 2, 3))
    assert kept_filters(model.features.conv1, 0.01).tolist() == [int(first.argmax())]


def test_keep_everything_is_the_same_model():
    torch.manual_seed(0)
    model = build_model("lenet5", (1, 28, 28), 10).eval()
    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        torch.testing.assert_close(prune_channels(model, 1.0).model(x), model(x))


@pytest.mark.parametrize("fraction", [0, -0.5, 1.5, float("nan"), "half", True])
def test_bad_keep_fraction_is_a_config_error(fraction):
    with pytest.raises(ConfigError, match="keep_fraction must be a fraction in \\(0, 1\\]"):
        prune_channels(build_model("lenet5", (1, 28, 28), 10), fraction)


def test_models_it_cannot_prune_say_what_was_found():
    with pytest.raises(ConfigError, match="residual connection"):
        prune_channels(build_model("preact-resnet", (3, 32, 32), 10), 0.5)
    with pytest.raises(ConfigError, match="found no convolution.*Linear"):
        prune_channels(build_model("mlp", (1, 28, 28), 10), 0.5)
    grouped = nn.Sequential(nn.Conv2d(4, 4, 3, groups=2), nn.Conv2d(4, 4, 3))
    with pytest.raises(ConfigError, match="grouped Conv2d"):
        prune_channels(grouped, 0.5)
