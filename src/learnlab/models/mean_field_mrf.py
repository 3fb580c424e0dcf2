"""A pairwise binary Markov random field whose mean-field inference, unrolled for K
iterations, is the network: structured prediction by turning an algorithm into layers.

The idea is Domke (2013), "Learning graphical model parameters with approximate marginal
inference" (IEEE TPAMI), and Zheng et al. (2015), "Conditional random fields as recurrent
neural networks" (ICCV): run a fixed number of iterations of an approximate inference
algorithm, and train the model's parameters by backpropagating a loss on the marginals it
returns through every iteration. This is a reimplementation for one binary image.

The model. Pixels are spins s_i = 2 x_i - 1 in {-1, +1} (x_i = 1: foreground). Given the
observation y, the log-potential is

    theta(s) = sum_i (u_i / 2) s_i + (1/4) sum_{i != j} K_ij s_i s_j,
    u_i = a (2 y_i - 1) + b                         (unary: the observation's log-odds)
    K_{i, i+d} = W[d]                               (couplings: one small kernel)

with W point-symmetric (W[d] = W[-d], so that K is symmetric) and W[0] = 0; p(s | y) is
proportional to exp(theta(s)). With the factorised q(x_i = 1) = q_i and mean spins
m_i = 2 q_i - 1, the mean-field free energy (it bounds: F(q) >= -log Z, `free_energy`) is

    F(q) = -sum_i (u_i / 2) m_i - (1/4) sum_{i != j} K_ij m_i m_j - sum_i H(q_i),

and its stationary points satisfy logit(q_i) = u_i + sum_j K_ij m_j = u_i + (W * m)_i
(a cross-correlation, neighbours beyond the border taken as m = 0). `MeanFieldMRF` starts
from q = sigmoid(u) and applies K parallel, damped updates

    q <- (1 - damping) q + damping * sigmoid(u + W * (2 q - 1)),

and returns the marginals q (N, 1, H, W). With the Ising choice (W = J on the 4 neighbours,
a = the noise's log-odds, b = the prior's) it is the classical mean-field denoiser
(`set_ising`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError


class MeanFieldMRF(nn.Module):
    """K unrolled mean-field iterations of a binary MRF with a `kernel_size` x
    `kernel_size` coupling kernel shared by all iterations (weights tied across layers)."""

    def __init__(self, kernel_size: int = 5, iterations: int = 10, damping: float = 0.5):
        super().__init__()
        if kernel_size < 3 or kernel_size % 2 == 0:
            raise ConfigError(f"kernel_size must be odd and >= 3; got {kernel_size}.")
        if iterations < 1:
            raise ConfigError(f"iterations (K) must be >= 1; got {iterations}.")
        if not 0 < damping <= 1:
            raise ConfigError(f"damping must be in (0, 1]; got {damping}.")
        self.iterations = iterations
        self.damping = damping
        self.kernel = nn.Parameter(torch.zeros(1, 1, kernel_size, kernel_size))
        self.unary_weight = nn.Parameter(torch.ones(()))
        self.unary_bias = nn.Parameter(torch.zeros(()))

    def coupling(self) -> torch.Tensor:
        """The kernel W made point-symmetric, its centre 0 (a pixel is not its own neighbour)."""
        symmetric = (self.kernel + self.kernel.flip(-1, -2)) / 2
        centre = self.kernel.shape[-1] // 2
        mask = torch.ones_like(symmetric)
        mask[..., centre, centre] = 0
        return symmetric * mask

    def unary(self, noisy: torch.Tensor) -> torch.Tensor:
        """u = a (2 y - 1) + b: each pixel's log-odds of foreground from its observation."""
        return self.unary_weight * (2 * noisy - 1) + self.unary_bias

    def field(self, q: torch.Tensor, unary: torch.Tensor) -> torch.Tensor:
        """u + W * (2 q - 1): the logit that one mean-field update gives each pixel."""
        padding = self.kernel.shape[-1] // 2
        return unary + F.conv2d(2 * q - 1, self.coupling(), padding=padding)

    def update(self, q: torch.Tensor, unary: torch.Tensor) -> torch.Tensor:
        """One parallel, damped mean-field update of all pixels."""
        return (1 - self.damping) * q + self.damping * torch.sigmoid(self.field(q, unary))

    def forward(self, noisy: torch.Tensor, iterations: int | None = None) -> torch.Tensor:
        """Marginals q(x_i = 1) after `iterations` (default K) updates from sigmoid(u)."""
        unary = self.unary(noisy)
        q = torch.sigmoid(unary)
        for _ in range(self.iterations if iterations is None else iterations):
            q = self.update(q, unary)
        return q

    def free_energy(self, q: torch.Tensor, noisy: torch.Tensor) -> torch.Tensor:
        """The mean-field free energy F(q) of each example (N,): -E_q[theta] - H(q)."""
        unary = self.unary(noisy)
        m = 2 * q - 1
        padding = self.kernel.shape[-1] // 2
        pairwise = F.conv2d(m, self.coupling(), padding=padding)  # sum_j K_ij m_j
        entropy = -(torch.xlogy(q, q) + torch.xlogy(1 - q, 1 - q))
        per_pixel = -unary * m / 2 - m * pairwise / 4 - entropy
        return per_pixel.flatten(1).sum(dim=1)

    @torch.no_grad()
    def set_ising(self, coupling: float, unary_weight: float, unary_bias: float) -> None:
        """The classical Ising denoiser: W = `coupling` on the 4 nearest neighbours, 0
        elsewhere; u = `unary_weight` (2 y - 1) + `unary_bias`."""
        self.kernel.zero_()
        c = self.kernel.shape[-1] // 2
        for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            self.kernel[0, 0, c + dy, c + dx] = coupling
        self.unary_weight.fill_(unary_weight)
        self.unary_bias.fill_(unary_bias)


def pixel_cnn_denoiser(channels: int = 16, layers: int = 3, kernel_size: int = 3) -> nn.Module:
    """The baseline: a plain fully convolutional network (same-size output, sigmoid marginals)
    of `layers` convolutions with `channels` channels and ReLUs between them."""
    if layers < 2:
        raise ConfigError(f"the CNN needs at least 2 layers; got {layers}.")
    padding = kernel_size // 2
    blocks: list[nn.Module] = [nn.Conv2d(1, channels, kernel_size, padding=padding), nn.ReLU()]
    for _ in range(layers - 2):
        blocks += [nn.Conv2d(channels, channels, kernel_size, padding=padding), nn.ReLU()]
    blocks += [nn.Conv2d(channels, 1, kernel_size, padding=padding), nn.Sigmoid()]
    return nn.Sequential(*blocks)
