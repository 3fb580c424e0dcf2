"""Value iteration network: Tamar, Wu, Thomas, Levine & Abbeel (2016), "Value Iteration
Networks" (NIPS), an algorithm unrolled into layers (lecture L3).

Value iteration on a grid with deterministic local moves is a convolution followed by a max:
Q_a(s) = sum over neighbours s' of [w_a(s' - s) R(s') + w'_a(s' - s) V(s')], V(s) = max_a
Q_a(s). The VIN learns the weights of that convolution end to end:

    h = conv3x3(image)               the image: obstacles and goal, (2, H, W)
    R = conv1x1(h)                   a reward map, (1, H, W)
    V_0 = 0; for k = 1..K: Q_k = conv3x3([R, V_{k-1}]) (q_channels maps), V_k = max_c Q_k
    psi = Q_K at the agent's cell     attention: the third input channel is a one-hot image of
                                      the agent's position (a soft map also works: a weighted sum)
    logits = linear(psi)             one per action

`forward(x)` takes (N, 3, H, W) and returns (N, actions); `action_map(images)` takes the
(N, 2, H, W) maps alone and returns the logits at every cell, (N, actions, H, W): the value
iteration is done once per map, however many states of it are asked about (training and
rollouts use it; `ActionMap` wraps it as a module). `value_map` returns V_K.

Example:
    >>> import torch
    >>> vin = build_vin((3, 8, 8), 8, k=5, hidden=16)
    >>> vin(torch.zeros(2, 3, 8, 8)).shape, vin.action_map(torch.zeros(2, 2, 8, 8)).shape
    (torch.Size([2, 8]), torch.Size([2, 8, 8, 8]))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import check_int, register_model

MAP_CHANNELS = 2  # obstacles, goal
INPUT_CHANNELS = 3  # ... and the agent's position


class ValueIterationNetwork(nn.Module):
    def __init__(self, actions: int, k: int, hidden: int, q_channels: int) -> None:
        super().__init__()
        self.k = k
        self.hidden = nn.Conv2d(MAP_CHANNELS, hidden, 3, padding=1)
        self.reward = nn.Conv2d(hidden, 1, 1, bias=False)
        # the VI module's weights: on the reward map and on the previous value map
        self.q_from_reward = nn.Parameter(torch.empty(q_channels, 1, 3, 3))
        self.q_from_value = nn.Parameter(torch.empty(q_channels, 1, 3, 3))
        self.policy = nn.Linear(q_channels, actions)
        for weight in (self.q_from_reward, self.q_from_value):
            nn.init.normal_(weight, std=0.01)  # as the authors' code

    def reward_map(self, images: torch.Tensor) -> torch.Tensor:
        """R = conv1x1(conv3x3(images)): no nonlinearity between the two (as in the authors'
        code), so it is one 3x3 convolution with the composed kernel; computing it so gives the
        same values and gradients at a fraction of the cost of the `hidden` wide maps."""
        mix = self.reward.weight[:, :, 0, 0]  # (1, hidden)
        kernel = torch.einsum("oh,hcij->ocij", mix, self.hidden.weight)
        return F.conv2d(images, kernel, mix @ self.hidden.bias, padding=1)

    def q_maps(self, images: torch.Tensor) -> torch.Tensor:
        """Q_K, (N, q_channels, H, W), after K iterations of the VI module."""
        reward = self.reward_map(images)
        return value_iteration(reward, self.q_from_reward, self.q_from_value, self.k)

    def value_map(self, images: torch.Tensor) -> torch.Tensor:
        """V_K, (N, H, W)."""
        return self.q_maps(images).amax(dim=1)

    def action_map(self, images: torch.Tensor) -> torch.Tensor:
        """The action logits at every cell, (N, actions, H, W)."""
        q = self.q_maps(images)
        logits = torch.einsum("nchw,ac->nahw", q, self.policy.weight)
        return logits + self.policy.bias[:, None, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.q_maps(x[:, :MAP_CHANNELS])
        attended = torch.einsum("nchw,nhw->nc", q, x[:, MAP_CHANNELS])
        return self.policy(attended)


def value_iteration(
    reward: torch.Tensor, q_from_reward: torch.Tensor, q_from_value: torch.Tensor, k: int
) -> torch.Tensor:
    """K steps of the VI module on a reward map (N, 1, H, W); returns Q_K (N, channels, H, W).
    The first step has V_0 = 0, so only the reward weights act in it."""
    q_reward = F.conv2d(reward, q_from_reward, padding=1)  # the same at every step
    q = q_reward
    for _ in range(k - 1):
        value = q.amax(dim=1, keepdim=True)
        q = q_reward + F.conv2d(value, q_from_value, padding=1)
    return q


class ActionMap(nn.Module):
    """A view of a VIN whose forward is `action_map` (shares its parameters): what a dense
    objective trains on whole maps."""

    def __init__(self, vin: ValueIterationNetwork) -> None:
        super().__init__()
        self.vin = vin

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.vin.action_map(images)


def check_grid_input(input_shape: tuple[int, ...], model: str) -> None:
    if len(input_shape) != 3 or input_shape[0] != INPUT_CHANNELS:
        raise ConfigError(
            f"model {model!r} takes grid-world states of shape (3, H, W) (obstacles, goal, "
            f"agent position); got {tuple(input_shape)}. `learnlab run value-iteration-network` "
            "trains it."
        )


@register_model(
    "vin",
    "Value iteration network (Tamar et al. 2016): reward map by a conv, K unrolled value "
    "iterations (conv over [R, V], max over channels), attention at the agent, linear head.",
)
def build_vin(
    input_shape: tuple[int, ...],
    num_outputs: int,
    k: int = 10,
    hidden: int = 150,
    q_channels: int = 10,
) -> ValueIterationNetwork:
    check_grid_input(input_shape, "vin")
    return ValueIterationNetwork(
        num_outputs,
        k=check_int("k", k, minimum=1),
        hidden=check_int("hidden", hidden, minimum=1),
        q_channels=check_int("q_channels", q_channels, minimum=1),
    )
