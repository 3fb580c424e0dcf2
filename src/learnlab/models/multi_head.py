"""A shared trunk with one output layer per task: lecture 000's multitask network.

"Basic features (e.g., edges, texture) can be shared by tasks. Different output layers for
each task; the rest is shared." The trunk is a small CNN (three 3x3 convolution + ReLU + 2x2
max-pool stages, channels `channels`, then a fully connected layer of `width` ReLUs); each
head is one linear layer on the trunk's features. `forward` returns a dict of the heads'
outputs, the form `learnlab.objectives.multitask.ClassAndBox` reads. A single-task network is
the same class with one head: the same trunk, so that single- and multitask differ only in
what they are trained on.

Example:
    >>> import torch
    >>> net = MultiHeadCNN((1, 32, 32), {"class": 10, "box": 4}, channels=(4, 4, 4), width=8)
    >>> {k: tuple(v.shape) for k, v in net(torch.zeros(2, 1, 32, 32)).items()}
    {'class': (2, 10), 'box': (2, 4)}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch
from torch import nn

from learnlab.io.errors import ConfigError


class MultiHeadCNN(nn.Module):
    """A CNN trunk shared by linear heads `heads` (name -> number of outputs)."""

    def __init__(
        self,
        input_shape: tuple[int, int, int],
        heads: Mapping[str, int],
        channels: Sequence[int] = (16, 32, 32),
        width: int = 128,
    ) -> None:
        super().__init__()
        if not heads:
            raise ConfigError("a multi-head network needs at least one head (name -> outputs).")
        side = min(input_shape[1:])
        if side < 2 ** len(channels):
            raise ConfigError(
                f"{len(channels)} pooling stages halve the image {len(channels)} times: images "
                f"of {side} pixels are too small; use at least {2 ** len(channels)} pixels or "
                "fewer stages."
            )
        layers: list[nn.Module] = []
        previous = input_shape[0]
        for count in channels:
            layers += [nn.Conv2d(previous, count, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            previous = count
        layers.append(nn.Flatten())
        features = nn.Sequential(*layers)
        with torch.no_grad():
            flat = features(torch.zeros(1, *input_shape)).shape[1]
        self.trunk = nn.Sequential(*layers, nn.Linear(flat, width), nn.ReLU())
        self.heads = nn.ModuleDict({name: nn.Linear(width, n) for name, n in heads.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        shared = self.trunk(x)
        return {name: head(shared) for name, head in self.heads.items()}
