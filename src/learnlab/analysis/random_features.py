"""Random Fourier features (Rahimi & Recht 2007, "Random features for large-scale kernel
machines", NIPS): phi_j(x) = sqrt(2 / N) cos(<v_j, x> + b_j) with v_j ~ N(0, I / sigma^2) and
b_j ~ U(0, 2 pi), so that phi(x) . phi(x') -> exp(-||x - x'||^2 / (2 sigma^2)), the Gaussian
kernel of bandwidth sigma, as N grows.

These are the real features; Belkin et al. (2019) write the complex ones exp(i <v_j, x>). With
real features a model of N features has N real weights per output, so the least-squares fit on
n examples starts to interpolate at N = n, where Belkin et al.'s threshold is.

`RandomFourierFeatures(d, sigma, seed)` draws the frequencies column by column from its seed:
its first N features are the same whatever the largest N asked for, so a sweep over N uses
nested feature sets (as adding features to a model does), and chunks of columns can be made
one at a time (`features(x, start, stop)`) without holding a (n, N_max) matrix.

Example:
    >>> rff = RandomFourierFeatures(input_dim=2, bandwidth=1.0, seed=0)
    >>> x = torch.randn(5, 2, dtype=torch.float64)
    >>> phi = rff.features(x, 0, 20_000) * (2 / 20_000) ** 0.5
    >>> gram = phi @ phi.T   # close to exp(-|x - x'|^2 / 2)
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError

# the frequencies are drawn in blocks of this many columns, each from its own generator, so
# that any range of columns can be made without drawing the ones before it
BLOCK = 1024


class RandomFourierFeatures:
    """cos(x V + b) for columns [start, stop) of an unbounded sequence of random features
    (unscaled: multiply by sqrt(2 / N) for the kernel approximation)."""

    def __init__(self, input_dim: int, bandwidth: float, seed: int) -> None:
        if isinstance(input_dim, bool) or not isinstance(input_dim, numbers.Integral):
            raise ConfigError(f"input_dim must be an integer >= 1, got {input_dim!r}.")
        if input_dim < 1:
            raise ConfigError(f"input_dim must be an integer >= 1, got {input_dim!r}.")
        if not isinstance(bandwidth, numbers.Real) or not 0 < bandwidth < math.inf:
            raise ConfigError(f"bandwidth (sigma) must be a finite number > 0, got {bandwidth!r}.")
        self.input_dim = int(input_dim)
        self.bandwidth = float(bandwidth)
        self.seed = int(seed)

    def _block(self, index: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + index)
        v = torch.randn(self.input_dim, BLOCK, generator=generator, dtype=torch.float64)
        b = torch.rand(BLOCK, generator=generator, dtype=torch.float64) * (2 * math.pi)
        return (v / self.bandwidth).to(dtype), b.to(dtype)

    def parameters(self, start: int, stop: int, dtype: torch.dtype = torch.float64):
        """The frequencies (d, stop - start) and phases (stop - start,) of those columns."""
        if not 0 <= start <= stop:
            raise ConfigError(f"feature range must have 0 <= start <= stop, got [{start}, {stop}).")
        first, last = start // BLOCK, (stop - 1) // BLOCK if stop > start else start // BLOCK - 1
        blocks = [self._block(i, dtype) for i in range(first, last + 1)]
        if not blocks:
            return torch.zeros(self.input_dim, 0, dtype=dtype), torch.zeros(0, dtype=dtype)
        v = torch.cat([blk[0] for blk in blocks], dim=1)
        b = torch.cat([blk[1] for blk in blocks])
        offset = first * BLOCK
        return v[:, start - offset : stop - offset], b[start - offset : stop - offset]

    def features(self, x: Tensor, start: int, stop: int) -> Tensor:
        """cos(x v_j + b_j) for j in [start, stop): (n, stop - start) in x's dtype."""
        if x.dim() != 2 or x.shape[1] != self.input_dim:
            raise ConfigError(f"x must be (n, {self.input_dim}), got {tuple(x.shape)}.")
        v, b = self.parameters(start, stop, x.dtype)
        return torch.cos(x @ v + b)
