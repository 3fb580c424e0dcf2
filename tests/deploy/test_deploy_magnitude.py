"""Magnitude pruning through torch.nn.utils.prune removes exactly the requested fraction, the
smallest weights, permanently, on a copy."""

from __future__ import annotations

import copy

import pytest
import torch

from learnlab.deploy.magnitude import magnitude_prune, prunable_layers, weight_sparsity
from learnlab.io.errors import ConfigError
from learnlab.models import build_model


def _lenet():
    torch.manual_seed(0)
    return build_model("lenet5", (1, 28, 28), 10)


@pytest.mark.parametrize("sparsity", [0.0, 0.3, 0.5, 0.9])
def test_each_layer_loses_exactly_the_fraction_its_smallest_weights(sparsity):
    model = _lenet()
    before = copy.deepcopy(model.state_dict())
    pruned = magnitude_prune(model, sparsity)
    for name, layer in prunable_layers(pruned).items():
        original = prunable_layers(model)[name].weight.detach()
        zeros = layer.weight == 0
        assert int(zeros.sum()) == round(sparsity * original.numel()), name
        if zeros.any() and not zeros.all():
            assert original.abs()[zeros].max() <= original.abs()[~zeros].min()
        assert not hasattr(layer, "weight_mask")  # permanent: no mask left behind
    for key, value in model.state_dict().items():  # the original is never modified
        assert torch.equal(value, before[key]), key
    assert set(pruned.state_dict()) == set(before)


def test_global_scope_removes_the_fraction_over_all_layers_with_one_threshold():
    model = _lenet()
    pruned = magnitude_prune(model, 0.8, scope="global")
    total = sum(m.weight.numel() for m in prunable_layers(model).values())
    zeros = sum(int((m.weight == 0).sum()) for m in prunable_layers(pruned).values())
    assert zeros == round(0.8 * total)
    assert weight_sparsity(pruned) == pytest.approx(zeros / total)
    per_layer = [float((m.weight == 0).float().mean()) for m in prunable_layers(pruned).values()]
    assert max(per_layer) - min(per_layer) > 0.05  # not the same fraction everywhere


@pytest.mark.parametrize("sparsity", [1.0, -0.1, 2, float("inf"), "0.5", None])
def test_bad_sparsity_is_a_config_error(sparsity):
    with pytest.raises(ConfigError, match=r"sparsity must be a fraction in \[0, 1\)"):
        magnitude_prune(_lenet(), sparsity)


def test_bad_scope_and_no_layer_are_config_errors():
    with pytest.raises(ConfigError, match="scope must be one of layer, global"):
        magnitude_prune(_lenet(), 0.5, scope="network")
    with pytest.raises(ConfigError, match="needs nn.Linear or nn.Conv"):
        magnitude_prune(torch.nn.Sequential(torch.nn.ReLU()), 0.5)
