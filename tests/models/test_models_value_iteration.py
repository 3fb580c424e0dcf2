"""The value iteration network: with hand-set weights, K steps of its VI module are K sweeps
of classical value iteration computed by a loop; attention reads the agent's cell; the
reward layers compose into one convolution; gradients reach every weight; bad options are
ConfigErrors."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.data.grid_worlds import MOVES, generate_grid_worlds, state_images
from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.value_iteration import ActionMap, value_iteration

GAMMA = 0.9


def _classical_value_iteration(reward: torch.Tensor, k: int) -> torch.Tensor:
    """Q_a(s) = R(s + a) + gamma V(s + a) (0 beyond the edge), V = max_a Q, by loops; returns
    Q after k sweeps, (actions, H, W)."""
    height, width = reward.shape
    value = torch.zeros(height, width, dtype=torch.float64)
    for _ in range(k):
        q = torch.zeros(len(MOVES), height, width, dtype=torch.float64)
        for a, (dr, dc) in enumerate(MOVES):
            for r in range(height):
                for c in range(width):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < height and 0 <= cc < width:
                        q[a, r, c] = reward[rr, cc] + GAMMA * value[rr, cc]
        value = q.max(dim=0).values
    return q


def _hand_set_kernels() -> tuple[torch.Tensor, torch.Tensor]:
    on_reward = torch.zeros(len(MOVES), 1, 3, 3, dtype=torch.float64)
    for a, (dr, dc) in enumerate(MOVES):
        on_reward[a, 0, 1 + dr, 1 + dc] = 1.0
    return on_reward, GAMMA * on_reward


@pytest.mark.parametrize("k", [1, 2, 5, 12])
def test_hand_set_vi_module_is_classical_value_iteration(k):
    reward = torch.randn(5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(k))
    on_reward, on_value = _hand_set_kernels()
    q = value_iteration(reward[None, None], on_reward, on_value, k)[0]
    torch.testing.assert_close(q, _classical_value_iteration(reward, k))


def test_hand_set_vin_plans_shortest_paths():
    """Hand-set reward layers: -1 for entering a free cell, 0 for the goal, -100 for an
    obstacle; a ninth Q channel "stay" (so the goal is absorbing), gamma 1, K = cells: the
    VIN's greedy move at every reachable cell is a shortest-path move."""
    worlds = generate_grid_worlds(3, 7, 0.25, seed=2)
    vin = build_model("vin", (3, 7, 7), 8, k=49, hidden=2, q_channels=9).double()
    on_reward, _ = _hand_set_kernels()
    stay = torch.zeros(1, 1, 3, 3, dtype=torch.float64)
    stay[0, 0, 1, 1] = 1.0
    with torch.no_grad():
        vin.hidden.weight.zero_()
        vin.hidden.weight[0, 0, 1, 1], vin.hidden.weight[1, 1, 1, 1] = -99.0, 1.0
        vin.hidden.bias.copy_(torch.tensor([-1.0, 0.0]))
        vin.reward.weight.fill_(1.0)
        vin.q_from_reward.copy_(torch.cat([on_reward, stay]))
        vin.q_from_value.copy_(torch.cat([on_reward, stay]))  # gamma = 1
        vin.policy.weight.copy_(torch.cat([torch.eye(8), torch.zeros(8, 1)], dim=1))
        vin.policy.bias.zero_()
        moves = vin.action_map(worlds.images().double()).argmax(dim=1)
    valid = worlds.actions >= 0
    m, r, c = valid.nonzero().unbind(1)
    target = torch.stack([r, c], 1) + torch.tensor(MOVES)[moves[m, r, c]]
    after = worlds.distances[m, target[:, 0], target[:, 1]]
    assert len(m) > 20 and (after == worlds.distances[m, r, c] - 1).all()


def test_attention_reads_the_action_map_at_the_agents_cell():
    worlds = generate_grid_worlds(2, 8, 0.2, seed=0)
    states = torch.tensor([[0, 2, 3], [1, 5, 5], [0, 6, 1]])
    torch.manual_seed(0)
    vin = build_model("vin", (3, 8, 8), 8, k=4, hidden=6)
    per_state = vin(state_images(worlds, states))
    table = ActionMap(vin)(worlds.images())
    torch.testing.assert_close(per_state, table[states[:, 0], :, states[:, 1], states[:, 2]])


def test_composed_reward_layer_equals_the_two_convolutions_and_gradients_flow():
    torch.manual_seed(0)
    vin = build_model("vin", (3, 8, 8), 8, k=3, hidden=5)
    images = torch.rand(4, 2, 8, 8)
    torch.testing.assert_close(vin.reward_map(images), vin.reward(vin.hidden(images)))
    vin(torch.rand(4, 3, 8, 8)).sum().backward()
    for name, p in vin.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert not math.isnan(float(vin.value_map(images).detach().sum()))


@pytest.mark.parametrize(
    ("name", "shape", "options", "match"),
    [
        ("vin", (3, 8, 8), {"k": 0}, "'k'"),
        ("vin", (1, 8, 8), {}, r"\(3, H, W\)"),
        ("grid-cnn", (3, 8, 8), {"blocks": 4}, "blocks"),
        ("grid-cnn", (2, 8, 8), {}, r"\(3, H, W\)"),
    ],
)
def test_bad_options_are_config_errors(name, shape, options, match):
    with pytest.raises(ConfigError, match=match):
        build_model(name, shape, 8, **options)
