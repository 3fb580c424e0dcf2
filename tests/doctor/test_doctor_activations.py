"""The doctor's activation check: dead ReLUs and saturated units are flagged, a healthy
network passes, the statistics match a direct computation, and the model is left alone."""

from __future__ import annotations

import torch
from torch import nn

from learnlab.doctor.activations import check_activations, collect_layer_stats
from learnlab.doctor.common import default_objective


def _data(n: int = 128, features: int = 20):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, features, generator=g), torch.randint(0, 4, (n,), generator=g)


def _mlp(activation: nn.Module) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 32), activation, nn.Linear(32, 4))


def test_a_bias_of_minus_100_kills_every_relu_and_fails():
    x, y = _data()
    model = _mlp(nn.ReLU())
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    result = check_activations(model, default_objective(y), x, y)
    assert result.status == "fail"
    assert result.values["max_dead_fraction"] == 1.0
    assert "100% of units dead" in result.summary
    # nothing flows back through dead units: the first layer gets no gradient at all
    assert any("0: no gradient reaches" in p for p in result.values["problems"])
    assert any("Dead ReLUs" in a for a in result.advice)


def test_a_healthy_network_passes():
    x, y = _data()
    result = check_activations(_mlp(nn.ReLU()), default_objective(y), x, y)
    assert result.status == "pass", result.summary
    assert result.values["max_dead_fraction"] < 0.3


def test_saturated_tanh_units_are_flagged():
    x, y = _data()
    model = _mlp(nn.Tanh())
    with torch.no_grad():
        model[0].weight.mul_(100.0)  # pre-activations of size ~50: tanh is +-1
    result = check_activations(model, default_objective(y), x, y)
    assert result.status == "fail"
    assert result.values["max_saturated_fraction"] >= 0.5
    assert "saturated" in result.summary


def test_dead_fraction_and_gradient_norms_match_a_direct_computation():
    x, y = _data()
    model = _mlp(nn.ReLU())
    with torch.no_grad():
        model[0].bias[:8] = -100.0  # 8 of 32 units dead
    stats, _ = collect_layer_stats(model, default_objective(y), x, y)
    by_name = {s.name: s for s in stats}
    hidden = model[0](x)
    expected_dead = 1.0 - (hidden > 0).any(dim=0).float().mean().item()
    assert by_name["1"].dead_fraction == expected_dead == 8 / 32
    assert by_name["0"].std == torch.std(hidden).item()
    # the hooks saw the same gradient that autograd left in the parameters
    grad_w = model[2].weight.grad.double().norm() ** 2 + model[2].bias.grad.double().norm() ** 2
    assert abs(by_name["2"].weight_grad_norm - grad_w.sqrt().item()) < 1e-12
    logits = model(x).detach().requires_grad_(True)
    torch.nn.functional.cross_entropy(logits, y).backward()
    assert abs(by_name["2"].output_grad_norm - logits.grad.double().norm().item()) < 1e-9


def test_conv_units_are_channels():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.LazyLinear(3))
    with torch.no_grad():
        model[0].bias[:] = torch.tensor([-100.0, 0.0, 0.0, -100.0])
    x = torch.randn(16, 1, 6, 6)
    y = torch.randint(0, 3, (16,))
    model(x)  # materialise the lazy layer
    stats, _ = collect_layer_stats(model, default_objective(y), x, y)
    assert {s.name: s for s in stats}["1"].dead_fraction == 0.5


def test_hooks_are_removed_and_the_model_is_unchanged():
    x, y = _data()
    model = _mlp(nn.ReLU()).eval()
    model[2].weight.requires_grad_(False)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check_activations(model, default_objective(y), x, y)
    assert not model.training
    assert [p.requires_grad for p in model.parameters()] == [True, True, False, True]
    assert all(p.grad is None for p in model.parameters())
    assert all(not m._forward_hooks and not m._backward_hooks for m in model.modules())
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
