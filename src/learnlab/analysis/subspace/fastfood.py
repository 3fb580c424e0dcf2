"""The Fastfood projection of Le, Sarlos & Smola (2013), "Fastfood: approximating kernel
expansions in loglinear time" (ICML), as Li et al. (2018) use it for large D:

    P theta_d = first D entries of  H G Pi H B [theta_d; 0] / (sqrt(L sum(G^2)) sqrt(D / L))

with L the smallest power of two >= D, theta_d padded with zeros to L, B a diagonal of random
signs, H the (unnormalised) Walsh-Hadamard matrix, Pi a random permutation and G a diagonal of
standard normals. Every column of H G Pi H B has squared length L sum(G^2) exactly, so after
the first division each column of the L x L matrix has unit length; keeping D of its L rows
keeps D/L of it in expectation, which the second factor restores: columns of unit length in
expectation, as in Li et al.'s code. Nothing of size D x d is stored: B, Pi, G are L numbers
each, and a product costs two fast Walsh-Hadamard transforms, O(L log L).
"""

from __future__ import annotations

import math

import torch

from learnlab.analysis.subspace.base import Projection, block_generator


def hadamard_matrix(size: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The size x size Walsh-Hadamard matrix (Sylvester's construction), size a power of two."""
    h = torch.ones(1, 1, dtype=dtype)
    while h.shape[0] < size:
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    return h


# H_L = H_a (x) H_b (x) ...: the transform is a product of small matrix products, one per
# factor (BLAS), instead of log2(L) elementwise butterfly stages; 64 x 64 factors at most
FACTOR_BITS = 6


def walsh_hadamard(x: torch.Tensor) -> torch.Tensor:
    """The unnormalised Walsh-Hadamard transform of a vector whose length is a power of two
    (H is symmetric, so this is its own transpose for autograd)."""
    length = x.shape[-1]
    if x.dim() != 1 or length & (length - 1):
        raise ValueError(
            f"the Walsh-Hadamard transform needs a vector of 2^k values; got {x.shape}"
        )
    bits = length.bit_length() - 1
    factors = [FACTOR_BITS] * (bits // FACTOR_BITS) + (
        [bits % FACTOR_BITS] if bits % FACTOR_BITS else []
    )
    sizes = [1 << b for b in factors]
    y = x.reshape(sizes)
    for axis, size in enumerate(sizes):
        h = hadamard_matrix(size, x.dtype).to(x.device)
        y = torch.tensordot(h, y, dims=([1], [axis])).movedim(0, axis)
    return y.reshape(length)


def padded_length(D: int) -> int:
    """The smallest power of two >= D."""
    return 1 << max(0, math.ceil(math.log2(D)))


class FastfoodProjection(Projection):
    """P = the first D rows and d columns of a scaled H G Pi H B (see the module docstring)."""

    def __init__(self, d: int, D: int, seed: int = 0) -> None:
        super().__init__(d, D, seed)
        self.L = padded_length(D)
        generator = block_generator(seed, 0)
        signs = torch.randint(0, 2, (self.L,), generator=generator).float() * 2 - 1
        permutation = torch.randperm(self.L, generator=generator)
        gaussian = torch.randn(self.L, generator=generator)
        scale = math.sqrt(self.L * float(gaussian.double().pow(2).sum())) * math.sqrt(D / self.L)
        self.register_buffer("signs", signs, persistent=False)  # B
        self.register_buffer("permutation", permutation, persistent=False)  # Pi
        self.register_buffer("gaussian", gaussian, persistent=False)  # G
        self.scale = scale

    def forward(self, theta_d: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.pad(theta_d, (0, self.L - self.d)) * self.signs.to(theta_d.dtype)
        x = walsh_hadamard(x)[self.permutation] * self.gaussian.to(theta_d.dtype)
        return walsh_hadamard(x)[: self.D] / self.scale
