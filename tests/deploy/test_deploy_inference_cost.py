"""learnlab.deploy.inference_cost: FLOPs against the hand count, hard-gated dispatch against
computing every expert, and the timing's shape (never its values)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.deploy.inference_cost import (
    InferenceCost,
    every_expert_selected,
    flops_per_example,
    hard_gated_forward,
    measure_inference,
    top1_choice,
)
from learnlab.models.mixture_of_experts import MixtureOfExperts
from learnlab.train.seeding import torch_threads


def test_flops_of_a_linear_layer_are_two_per_multiply_add():
    # the convention: 2 FLOPs per multiply-add, 2 * in * out per example; bias adds are free
    assert flops_per_example(nn.Linear(7, 5), torch.randn(9, 7)) == 2 * 7 * 5
    assert flops_per_example(nn.Linear(7, 5, bias=False), torch.randn(1, 7)) == 2 * 7 * 5


def test_flops_of_an_mlp_are_the_sum_of_its_layers():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 6), nn.ReLU(), nn.Linear(6, 3))
    assert flops_per_example(mlp, torch.randn(4, 3, 4)) == 2 * (12 * 6 + 6 * 3)


def _layer(gating: str, seed: int = 0, experts: int = 5) -> MixtureOfExperts:
    torch.manual_seed(seed)
    return MixtureOfExperts(6, 3, experts=experts, k=1, gating=gating, hidden=4, noisy=False)


@pytest.mark.parametrize("gating", ["soft", "topk"])
def test_hard_dispatch_equals_every_expert_then_the_chosen_one(gating):
    layer = _layer(gating, seed=1).eval()
    x = torch.randn(200, 6, generator=torch.Generator().manual_seed(2))
    dispatched = hard_gated_forward(layer, x)
    chosen, weight = top1_choice(layer, x)
    assert len(chosen.unique()) > 1  # several experts really ran
    oracle = torch.stack(
        [weight[i] * layer.experts[int(chosen[i])](x[i : i + 1])[0] for i in range(len(x))]
    )
    torch.testing.assert_close(dispatched, oracle, atol=1e-6, rtol=0)
    torch.testing.assert_close(every_expert_selected(layer, x), oracle, atol=1e-6, rtol=0)


def test_hard_dispatch_of_a_top1_layer_is_its_own_eval_forward():
    layer = _layer("topk", seed=3).eval()
    x = torch.randn(64, 6)
    with torch.no_grad():
        torch.testing.assert_close(hard_gated_forward(layer, x), layer(x), atol=1e-6, rtol=0)


def test_hard_dispatch_counts_the_chosen_expert_only():
    experts, hidden = 8, 4
    layer = _layer("topk", experts=experts)
    x = torch.randn(50, 6)
    gate = 2 * 6 * experts
    expert = 2 * (6 * hidden + hidden * 3)
    assert flops_per_example(lambda b: hard_gated_forward(layer, b), x) == gate + expert
    every = flops_per_example(lambda b: every_expert_selected(layer, b), x)
    assert every == gate + experts * expert


def test_measure_inference_times_each_forward_per_example_on_one_thread():
    threads_seen = []

    def forward(batch):
        threads_seen.append(torch.get_num_threads())
        return batch * 2

    with torch_threads(2):
        forwards = {"a": forward, "b": nn.Linear(4, 2)}
        costs = measure_inference(forwards, torch.randn(10, 4), repeats=3)
        assert torch.get_num_threads() == 2
    # the FLOP count runs as called; the warm-up and the 3 timed repeats on one thread
    assert threads_seen == [2, 1, 1, 1, 1]
    assert isinstance(costs["b"], InferenceCost) and costs["b"].flops == 2 * 4 * 2
    assert costs["a"].flops == 0
    for cost in costs.values():
        assert 0 < cost.seconds_min <= cost.seconds <= cost.seconds_max
    with pytest.raises(ValueError, match="repeats"):
        measure_inference({"a": forward}, torch.randn(2, 4), repeats=0)


def test_saving_is_the_replaced_cost_over_this_one():
    cheap = InferenceCost(flops=10, seconds=0.5, seconds_min=0.4, seconds_max=0.6)
    dear = InferenceCost(flops=80, seconds=2.0, seconds_min=2.0, seconds_max=2.0)
    assert cheap.saving(dear) == (8.0, 4.0)
    assert cheap.ms == 500
