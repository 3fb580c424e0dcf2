"""Contract cases of the models whose forward takes a pair of tensors: `siamese` (x1, x2 of
one shape; (N, 1) logit or distance) and `bilinear` (x of input_shape, z of 8 features, the
default z_features)."""

from __future__ import annotations

import torch

Z_FEATURES = 8  # the bilinear model's default z_features; variants keep it

INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {
    "siamese": [(1, 28, 28), (12,)],
    "bilinear": [(6,), (2, 3)],
}

VARIANTS: list[tuple[str, dict]] = [
    ("siamese", {"head": "euclidean", "embedding": 8, "encoder_options": {"width": 16}}),
    ("siamese", {"code_activation": "tanh", "encoder_options": {"depth": 1, "width": 8}}),
    ("siamese", {"encoder": "lenet5", "embedding": 16}),
    ("siamese", {"encoder_options": {"norm": "batch", "dropout": 0.1, "width": 16}}),
    ("bilinear", {"hidden": 5, "activation": "tanh"}),
    ("bilinear", {"bias": False}),
]

NUM_OUTPUTS = {"siamese": 1}


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    x = torch.randn(n, *shape, generator=generator)
    if name == "siamese":
        return x, torch.randn(n, *shape, generator=generator)
    return x, torch.randn(n, Z_FEATURES, generator=generator)


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, NUM_OUTPUTS.get(name, 10))
