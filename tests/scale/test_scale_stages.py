"""Cutting a model into pipeline stages: the layers in order compute what the model computes,
the split is the most balanced one (against every split tried by brute force), and bad stage
counts are ConfigErrors naming `stages`."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.scale.stages import (
    balanced_boundaries,
    layer_costs,
    sequential_layers,
    split_stages,
)


@pytest.mark.parametrize(
    ("name", "shape", "options"),
    [
        ("mlp", (1, 28, 28), {"depth": 2, "width": 16}),
        ("lenet5", (1, 28, 28), {}),
        ("mnist-cnn", (1, 12, 12), {"width": 8}),
    ],
)
def test_the_layers_in_order_and_the_chained_stages_compute_what_the_model_computes(
    name, shape, options
):
    torch.manual_seed(0)
    model = build_model(name, shape, 10, **options).eval()
    x = torch.randn(5, *shape)
    layers = sequential_layers(model)
    stages = split_stages(model, 3, "flops", shape)
    chained = x
    for stage in stages:
        chained = stage(chained)
    torch.testing.assert_close(layers(x), model(x), rtol=0, atol=0)
    torch.testing.assert_close(chained, model(x), rtol=0, atol=0)
    # the stages share the model's parameters, under the names of the layers in order
    names = [n for stage in stages for n, _ in stage.named_parameters()]
    assert names == [n for n, _ in layers.named_parameters()]
    assert sum(p.numel() for s in stages for p in s.parameters()) == sum(
        p.numel() for p in model.parameters()
    )


def test_a_deep_mlp_splits_into_two_halves_of_equal_parameters():
    model = build_model("mlp", (1, 28, 28), 10, depth=4, width=256)
    first, second = split_stages(model, 2)
    assert [n for n, _ in first.named_children()] == ["flatten", "fc1", "act1"]
    sizes = [sum(p.numel() for p in s.parameters()) for s in (first, second)]
    assert sizes == [784 * 256 + 256, 3 * (256 * 256 + 256) + 256 * 10 + 10]


def test_flops_count_a_linear_layer_as_two_per_weight():
    layers = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.ReLU())
    assert layer_costs(layers, "flops", (3, 4)) == [0.0, 2.0 * 12 * 7, 0.0]
    assert layer_costs(layers, "parameters") == [0.0, 12.0 * 7 + 7, 0.0]


@pytest.mark.parametrize("stages", [1, 2, 3, 4])
def test_the_split_has_the_least_largest_stage_of_every_contiguous_split(stages):
    generator = torch.Generator().manual_seed(stages)
    for _ in range(20):
        costs = torch.randint(0, 10, (7,), generator=generator).tolist()
        bounds = balanced_boundaries(costs, stages)
        assert bounds[0] == 0 and bounds[-1] == len(costs)
        assert all(a < b for a, b in itertools.pairwise(bounds))  # no stage is empty
        best = min(
            _largest(costs, (0, *cuts, len(costs)))
            for cuts in itertools.combinations(range(1, len(costs)), stages - 1)
        )
        assert _largest(costs, bounds) == best


def _largest(costs, bounds) -> float:
    return max(sum(costs[a:b]) for a, b in itertools.pairwise(bounds))


@pytest.mark.parametrize("stages", [0, -1, 7, 2.0, True])
def test_a_stage_count_outside_one_to_the_layers_is_a_config_error_naming_stages(stages):
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.raises(ConfigError, match=r"stages=.*Choose stages in 1\.\.4"):
        split_stages(model, stages)


def test_a_model_whose_forward_is_not_its_layers_in_turn_is_refused():
    with pytest.raises(ConfigError, match="not a sequence of layers"):
        sequential_layers(nn.LSTM(3, 4))
    with pytest.raises(ConfigError, match="balance="):
        split_stages(nn.Sequential(nn.Linear(2, 2)), 1, balance="time")
