"""Contract cases of the grid-world policies (`vin`, `grid-cnn`): a state is (3, H, W), the
obstacle and goal images of a random map plus a one-hot image of the agent's cell; the output
is one logit per action (num_outputs)."""

from __future__ import annotations

import torch

INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {
    "vin": [(3, 8, 8), (3, 6, 9)],
    "grid-cnn": [(3, 8, 8), (3, 16, 16)],
}

VARIANTS: list[tuple[str, dict]] = [
    ("vin", {"k": 2, "hidden": 4, "q_channels": 3}),
    ("grid-cnn", {"width": 4, "blocks": 3}),
]


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    _, height, width = shape
    maps = (torch.rand(n, 2, height, width, generator=generator) < 0.3).float()
    agent = torch.zeros(n, 1, height, width)
    cells = torch.randint(0, height * width, (n,), generator=generator)
    agent[torch.arange(n), 0, cells // width, cells % width] = 1.0
    return (torch.cat([maps, agent], dim=1),)


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, 10)
