"""The networks of Li et al.'s MNIST table and their data: FC 784-200-200-10 (D = 199,210) and
the unpadded LeNet (D = 44,426), on MNIST or on MNIST with its pixels shuffled (one fixed
permutation of the 784 pixels, drawn from the seed, for every image)."""

from __future__ import annotations

import torch
from torch import nn

MODELS = {
    "fc": ("mlp", {"depth": 2, "width": 200, "activation": "relu"}),
    "lenet": ("lenet5", {"padding": 0, "activation": "relu", "pool": "max"}),
}


def architecture(network: str) -> str:
    return network.removesuffix("-shuffled")


def build_network(network: str, seed: int) -> nn.Module:
    from learnlab.models.registry import build_model

    name, options = MODELS[architecture(network)]
    torch.manual_seed(seed)
    return build_model(name, (1, 28, 28), 10, **options)


def parameter_count(network: str) -> int:
    return sum(p.numel() for p in build_network(network, 0).parameters())


def shuffle_pixels(x: torch.Tensor, seed: int) -> torch.Tensor:
    """Every image of `x` (N, C, H, W) with its pixels moved by the same permutation, drawn
    from `seed`: the images keep their pixel values, the network loses their spatial layout."""
    generator = torch.Generator().manual_seed(seed)
    n, *shape = x.shape
    permutation = torch.randperm(x[0].numel(), generator=generator)
    return x.reshape(n, -1)[:, permutation].reshape(n, *shape)
