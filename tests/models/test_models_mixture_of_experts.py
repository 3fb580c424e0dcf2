"""The mixture-of-experts layer: soft gating against the weighted sum computed by hand, top-k
with k = E against soft gating, routing (an unchosen expert never runs, each expert sees
exactly its rows), where gradients go, the Switch balancing loss, and the training objective
that adds it."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.mixture_of_experts import (
    MixtureOfExperts,
    auxiliary_loss,
    switch_balance_loss,
)
from learnlab.objectives.auxiliary import WithAuxiliaryLoss
from learnlab.objectives.supervised import CrossEntropy


@pytest.fixture(autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def _layer(gating: str, k: int = 1, experts: int = 4, noisy: bool = False, seed: int = 0):
    torch.manual_seed(seed)
    layer = MixtureOfExperts(6, 3, experts=experts, k=k, gating=gating, hidden=5, noisy=noisy)
    return layer.double()


def _routed_layer(k: int = 1) -> MixtureOfExperts:
    """Gate logits = 10 x[:4] (+ nothing from x[4:]): an example goes to its largest of the
    first four coordinates, so the test chooses the routing through the inputs."""
    layer = _layer("topk", k=k)
    with torch.no_grad():
        layer.gate.weight.zero_()
        layer.gate.weight[:, :4] = 10 * torch.eye(4, dtype=torch.float64)
        layer.gate.bias.zero_()
    return layer


def _inputs(leaders: list[int], seed: int = 1) -> torch.Tensor:
    """One example per entry, whose largest gate logit is expert `leader` (then the rest)."""
    x = torch.rand(
        len(leaders), 6, dtype=torch.float64, generator=torch.Generator().manual_seed(seed)
    )
    x[:, :4] *= 0.5
    x[torch.arange(len(leaders)), torch.tensor(leaders)] = 1.0
    return x


def test_soft_gating_is_the_gate_weighted_sum_of_all_experts():
    layer = _layer("soft").eval()
    x = torch.randn(7, 6, dtype=torch.float64)
    g = torch.softmax(x @ layer.gate.weight.T + layer.gate.bias, dim=1)
    by_hand = sum(g[:, i : i + 1] * expert(x) for i, expert in enumerate(layer.experts))
    torch.testing.assert_close(layer(x), by_hand, rtol=1e-12, atol=1e-12)


def test_top_k_with_k_equal_to_the_number_of_experts_is_soft_gating():
    soft = _layer("soft", experts=4)
    topk = _layer("topk", k=4, experts=4)
    topk.load_state_dict(soft.state_dict())
    x = torch.randn(9, 6, dtype=torch.float64)
    for mode in (True, False):  # noise-free: both modes agree
        torch.testing.assert_close(topk.train(mode)(x), soft.train(mode)(x), rtol=1e-12, atol=1e-12)


def test_top_2_renormalises_the_softmax_over_the_two_chosen_experts():
    layer = _layer("topk", k=2).eval()
    x = torch.randn(5, 6, dtype=torch.float64)
    logits = layer.gate(x)
    top = logits.topk(2, dim=1)
    expected = torch.zeros(5, 3, dtype=torch.float64)
    for n in range(5):  # one example at a time, by the formula
        w = torch.exp(top.values[n]) / torch.exp(top.values[n]).sum()
        for j in range(2):
            expected[n] += w[j] * layer.experts[int(top.indices[n, j])](x[n : n + 1])[0]
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_top_1_weighs_the_chosen_expert_by_its_full_softmax_probability():
    layer = _layer("topk", k=1).eval()
    x = torch.randn(5, 6, dtype=torch.float64)
    probs = layer.gate(x).softmax(dim=1)
    chosen = probs.argmax(dim=1)
    expected = torch.stack(
        [probs[n, chosen[n]] * layer.experts[int(chosen[n])](x[n : n + 1])[0] for n in range(5)]
    )
    torch.testing.assert_close(layer(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("k", [1, 2])
def test_each_expert_runs_once_on_exactly_its_rows_and_unchosen_experts_never(k):
    layer = _routed_layer(k)
    # leaders 0 and 2 only; with k=2 the runner-up is whichever of the others is largest
    x = _inputs([0, 2, 2, 0, 2, 0, 0])
    expected_rows = layer.gate(x).topk(k, dim=1).indices
    seen: dict[int, list[torch.Tensor]] = {i: [] for i in range(4)}
    for i, expert in enumerate(layer.experts):
        expert.register_forward_hook(lambda m, args, out, i=i: seen[i].append(args[0].clone()))
    layer.eval()(x)
    for i in range(4):
        rows = (expected_rows == i).any(dim=1).nonzero().squeeze(1)
        if rows.numel() == 0:
            assert seen[i] == [], f"expert {i} ran though no example chose it"
        else:
            assert len(seen[i]) == 1, f"expert {i} ran {len(seen[i])} times"
            assert torch.equal(seen[i][0], x[rows])  # exactly its rows, in order
    if k == 1:
        assert seen[1] == [] and seen[3] == []
        assert layer.expert_load.tolist() == [4 / 7, 0.0, 3 / 7, 0.0]


def test_gradients_reach_the_gate_and_the_chosen_experts_only():
    layer = _routed_layer(1).train()
    x = _inputs([1, 3, 3, 1])
    (layer(x) * torch.randn(4, 3, dtype=torch.float64)).sum().backward()
    assert layer.gate.weight.grad.abs().sum() > 0
    for i, expert in enumerate(layer.experts):
        grads = [p.grad for p in expert.parameters()]
        if i in (1, 3):
            assert all(g is not None and g.abs().sum() > 0 for g in grads), i
        else:
            assert all(g is None for g in grads), i


def test_top_k_gradient_matches_finite_differences_in_float64():
    layer = _layer("topk", k=2).eval()
    x = torch.randn(4, 6, dtype=torch.float64)
    params = [layer.gate.weight, *layer.experts.parameters()]

    def loss() -> torch.Tensor:
        return layer(x).pow(2).sum()

    grads = torch.autograd.grad(loss(), params)
    eps = 1e-6
    for param, grad in zip(params[:2], grads[:2], strict=True):  # the gate and one expert
        for index in [(0, 0), (1, 2), (2, 5)]:
            with torch.no_grad():
                param[index] += eps
                up = loss()
                param[index] -= 2 * eps
                down = loss()
                param[index] += eps
            assert float(grad[index]) == pytest.approx(
                float((up - down) / (2 * eps)), rel=1e-5, abs=1e-8
            )


def test_noise_is_drawn_in_training_only_and_gets_a_gradient():
    layer = _layer("topk", k=2, noisy=True)
    x = torch.randn(8, 6, dtype=torch.float64)
    layer.eval()
    assert torch.equal(layer(x), layer(x))
    layer.train()
    torch.manual_seed(5)
    a = layer(x)
    a.sum().backward()
    assert layer.noise.weight.grad.abs().sum() > 0
    assert not torch.equal(a, layer(x))


def test_balancing_loss_is_one_for_uniform_routing_and_e_for_collapsed():
    experts = 4
    uniform = torch.full((8, experts), 1 / experts)
    assert float(switch_balance_loss(uniform, torch.arange(8) % experts)) == pytest.approx(1.0)
    collapsed = F.one_hot(torch.zeros(8, dtype=torch.int64), experts).float()
    assert float(switch_balance_loss(collapsed, torch.zeros(8, dtype=torch.int64))) == experts
    # through the layer: a gate that sends everything to expert 2, then one that cannot choose
    layer = _layer("topk", k=1).eval()
    with torch.no_grad():
        layer.gate.weight.zero_()
        layer.gate.bias.copy_(torch.tensor([0.0, 0.0, 50.0, 0.0]))
    layer(torch.randn(10, 6, dtype=torch.float64))
    assert float(layer.aux_loss.detach()) == pytest.approx(experts, rel=1e-6)
    assert layer.expert_load.tolist() == [0.0, 0.0, 1.0, 0.0]
    # a random gate lies in between
    random_gate = _layer("topk", k=1).eval()
    random_gate(torch.randn(64, 6, dtype=torch.float64))
    assert 1.0 < float(random_gate.aux_loss.detach()) < experts


def test_the_objective_adds_the_weighted_balancing_loss():
    torch.manual_seed(0)
    model = build_model("moe-mlp", (1, 4, 4), 3, experts=3, k=1, gating="topk", hidden=4)
    x, y = torch.randn(6, 1, 4, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    model.eval()
    plain, _ = CrossEntropy()(model, (x, y))
    aux = auxiliary_loss(model)
    loss, metrics = WithAuxiliaryLoss(CrossEntropy(), weight=0.3)(model, (x, y))
    assert float(loss.detach()) == pytest.approx(float((plain + 0.3 * aux).detach()), rel=1e-6)
    assert float(metrics["balance_loss"]) == pytest.approx(float(aux.detach()))
    loss.backward()
    assert model.moe.gate.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="no mixture-of-experts layer"):
        auxiliary_loss(torch.nn.Linear(2, 2))


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"experts": 2, "k": 3}, "at most experts=2"),
        ({"gating": "hard"}, "'gating' must be one of"),
        ({"experts": 0}, "'experts' must be an integer >= 1"),
        ({"hidden": 0}, "'hidden' must be an integer >= 1"),
        ({"noisy": 1}, "'noisy' must be true or false"),
    ],
)
def test_bad_options_are_refused(options, match):
    with pytest.raises(ConfigError, match=match):
        build_model("moe-mlp", (1, 8, 8), 10, **options)
