"""Contract inputs of `skip-gram`: (centre ids (N,), candidate context ids (N, C)) -> (N, C).

`input_shape` is (C,), the candidates scored per centre (1 true context + k noise words);
num_outputs is the vocabulary size.
"""

from __future__ import annotations

import torch

VOCABULARY = 50
INPUT_SHAPES = {"skip-gram": [(6,), (1,)]}
VARIANTS = [("skip-gram", {"dim": 8})]
NUM_OUTPUTS = {"skip-gram": VOCABULARY}


def make_input(name: str, shape: tuple[int, ...], n: int, generator: torch.Generator) -> tuple:
    centres = torch.randint(0, VOCABULARY, (n,), generator=generator)
    candidates = torch.randint(0, VOCABULARY, (n, *shape), generator=generator)
    return centres, candidates


def output_shape(name: str, shape: tuple[int, ...], n: int) -> tuple[int, ...]:
    return (n, *shape)
