"""A reactive convolutional policy for grid worlds: the baseline of Tamar et al. (2016),
"Value Iteration Networks" (NIPS), section 4.1, made small enough to match a VIN's size.

It sees the same (3, H, W) state as the VIN (obstacles, goal, one-hot agent position) and maps
it straight to action logits: `blocks` times [3x3 convolution of `width` filters, ReLU, 2x2 max
pooling], then a linear layer on the flattened maps. Nothing in it iterates over the map, so
how far it can plan is bounded by its receptive field and what its weights memorise.

Example:
    >>> import torch
    >>> cnn = build_grid_cnn((3, 8, 8), 8)
    >>> cnn(torch.zeros(2, 3, 8, 8)).shape
    torch.Size([2, 8])
"""

from __future__ import annotations

from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.registry import check_int, register_model
from learnlab.models.value_iteration import check_grid_input


@register_model(
    "grid-cnn",
    "Reactive CNN policy for grid worlds (the VIN paper's baseline, small): blocks of "
    "[3x3 conv, ReLU, 2x2 max pool], then a linear layer to action logits.",
)
def build_grid_cnn(
    input_shape: tuple[int, ...], num_outputs: int, width: int = 16, blocks: int = 2
) -> nn.Sequential:
    check_grid_input(input_shape, "grid-cnn")
    width = check_int("width", width, minimum=1)
    blocks = check_int("blocks", blocks, minimum=1)
    side = min(input_shape[1:])
    if side < 2**blocks:
        raise ConfigError(
            f"option 'blocks' = {blocks} halves the grid {blocks} times: it needs a grid of at "
            f"least {2**blocks}x{2**blocks}; got {side}. Use fewer blocks."
        )
    layers: list[nn.Module] = []
    channels = input_shape[0]
    for _ in range(blocks):
        layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
        channels = width
    flat = width * (input_shape[1] // 2**blocks) * (input_shape[2] // 2**blocks)
    layers += [nn.Flatten(), nn.Linear(flat, num_outputs)]
    return nn.Sequential(*layers)
