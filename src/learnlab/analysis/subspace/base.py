"""What every projection of subspace training shares: its sizes (d columns of D rows), the
checks of d against D, and the seeding of the blocks it draws.

A projection P maps theta_d (d values) to an offset P theta_d of the D parameters; it is a
`torch.nn.Module` without parameters, so that it moves with its model (`.to(device)`) and
differentiates through the usual autograd (P^T for the backward pass).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from learnlab.io.errors import ConfigError


def check_dimensions(d: int, D: int) -> None:
    """ConfigError unless 1 <= d <= D: a subspace has at most as many directions as the
    parameter space it lies in."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ConfigError(f"d (the subspace dimension) must be a positive integer; got {d!r}.")
    if d > D:
        raise ConfigError(
            f"d = {d} is larger than D = {D:,}, the number of parameters of the model: a "
            f"subspace has at most D directions. Choose d between 1 and {D}."
        )


def block_generator(seed: int, block: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A generator for one block of columns: each block is drawn from its own stream, so that
    any block can be drawn again alone (the chunks of a dense projection) and a column depends
    only on (seed, its block)."""
    state = np.random.SeedSequence([int(seed), int(block)]).generate_state(2, np.uint32)
    generator = torch.Generator(device=device)
    generator.manual_seed((int(state[0]) << 31) ^ int(state[1]))
    return generator


class Projection(nn.Module):
    """A fixed D x d matrix applied to theta_d; subclasses define `forward(theta_d) -> (D,)`."""

    def __init__(self, d: int, D: int, seed: int) -> None:
        super().__init__()
        check_dimensions(d, D)
        self.d, self.D, self.seed = d, D, int(seed)

    def extra_repr(self) -> str:
        return f"d={self.d}, D={self.D}, seed={self.seed}"


class IdentityProjection(Projection):
    """P = I (d = D): subspace training that is ordinary training, the oracle of the wrapper."""

    def __init__(self, d: int, D: int, seed: int = 0) -> None:
        super().__init__(d, D, seed)
        if d != D:
            raise ConfigError(
                f"the identity projection needs d = D; got d = {d}, D = {D}. Use "
                "projection 'dense', 'sparse' or 'fastfood' for d < D."
            )

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        return theta_d
