"""Random directions in parameter space, filter-normalised as Li, Xu, Taylor, Studer &
Goldstein (2018), "Visualizing the loss landscape of neural nets", section 4: a Gaussian
direction d, each filter d_{i,j} (the slice of a weight that makes one output channel of a
convolution or one neuron of a linear layer: one index of the first dimension) rescaled to the
norm of the same filter of the weights,

    d_{i,j} <- d_{i,j} / ||d_{i,j}|| * ||theta_{i,j}||,

so that a step along d is as large, relative to each filter, as the filter itself, and the
scale invariance of ReLU and batch-norm networks does not distort the picture. Parameters of
one dimension (biases, batch-norm scales and shifts) get a zero direction by default, as the
authors' code does for its figures (`ignore='biasbn'`); `one_dimensional="copy"` gives them
the parameter itself instead, the code's other choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import torch

from learnlab.io.errors import ConfigError

OneDimensional = Literal["zero", "copy"]


def filter_normalized(
    direction: torch.Tensor, weight: torch.Tensor, one_dimensional: OneDimensional = "zero"
) -> torch.Tensor:
    """`direction` with each filter (index of dimension 0) rescaled to the norm of the same
    filter of `weight`; a parameter of at most one dimension: zeros, or `weight` ("copy")."""
    if one_dimensional not in ("zero", "copy"):
        raise ConfigError(f"one_dimensional={one_dimensional!r}; choose 'zero' or 'copy'.")
    if weight.dim() <= 1:
        return torch.zeros_like(weight) if one_dimensional == "zero" else weight.clone()
    rows = direction.reshape(direction.shape[0], -1)
    target = weight.reshape(weight.shape[0], -1).norm(dim=1, keepdim=True)
    scale = target / rows.norm(dim=1, keepdim=True).clamp_min(torch.finfo(rows.dtype).tiny)
    return (rows * scale).reshape(weight.shape)


def random_directions(
    center: Mapping[str, torch.Tensor],
    *,
    seed: int,
    count: int = 2,
    one_dimensional: OneDimensional = "zero",
) -> list[dict[str, torch.Tensor]]:
    """`count` filter-normalised Gaussian directions around the parameters `center` (name ->
    tensor), drawn in float64 on the CPU from `seed` (the same on any device and dtype)."""
    generator = torch.Generator().manual_seed(seed)
    directions = []
    for _ in range(count):
        direction = {}
        for name, weight in center.items():
            draw = torch.randn(weight.shape, generator=generator, dtype=torch.float64)
            draw = draw.to(device=weight.device, dtype=weight.dtype)
            direction[name] = filter_normalized(draw, weight.detach(), one_dimensional)
        directions.append(direction)
    return directions
