"""Contract cases of `moe-mlp`: an image or a vector in, (N, num_outputs) out, like the MLP.

Top-k variants use k = experts, so that every expert is chosen for some example and the
contract's "every parameter gets a gradient" holds (with k < experts an expert that no example
chose gets no gradient, by design: tests/models/test_models_mixture_of_experts.py)."""

from __future__ import annotations

import torch

INPUT_SHAPES: dict[str, list[tuple[int, ...]]] = {"moe-mlp": [(1, 28, 28), (1, 40)]}

VARIANTS: list[tuple[str, dict]] = [
    ("moe-mlp", {"gating": "topk", "experts": 3, "k": 3, "hidden": 8}),
    ("moe-mlp", {"gating": "topk", "experts": 2, "k": 2, "noisy": False, "activation": "gelu"}),
    ("moe-mlp", {"gating": "soft", "experts": 2, "hidden": 5, "activation": "tanh"}),
]


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    return (torch.randn(n, *shape, generator=generator),)


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, 10)
