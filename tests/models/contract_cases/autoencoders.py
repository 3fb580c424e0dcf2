"""Contract cases of the autoencoders (`autoencoder`, `conv-autoencoder`, `vae`): the forward
takes x and returns its reconstruction, so the output shape is the input shape (num_outputs
is ignored by these models)."""

from __future__ import annotations

import torch

INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {
    "autoencoder": [(1, 28, 28), (40,)],
    # 28 -> 14 -> 7 (even), 3 x 11 x 9 -> 6 x 5 -> 3 x 3 (odd: output_padding 0)
    "conv-autoencoder": [(1, 28, 28), (3, 11, 9)],
    "vae": [(1, 28, 28), (40,)],
}

VARIANTS: list[tuple[str, dict]] = [
    ("autoencoder", {"code": 4, "hidden": [], "output": "values"}),
    ("autoencoder", {"hidden": [16, 8], "activation": "tanh"}),
    ("conv-autoencoder", {"channels": [4, 8, 8], "code": 5, "activation": "gelu"}),
    ("conv-autoencoder", {"channels": [6], "output": "values"}),
    ("vae", {"latent": 2, "hidden": [16]}),
]


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    return (torch.randn(n, *shape, generator=generator),)


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, *shape)
