"""The two model families of bias-variance, fitted on B training sets of a known 1-D task.

Task: x ~ U(-1, 1), y = f(x) + e with f(x) = sin(pi * frequency * x) and e ~ N(0, noise_std^2),
so the target and the noise of the decomposition are known exactly; the test points are a grid
of `test_points` values on [-1, 1].

- Polynomials: Legendre features of degree d (d + 1 parameters), the minimum-norm least-squares
  fit (`learnlab.analysis.min_norm`): ordinary least squares up to d + 1 = n, the interpolant of
  least norm beyond. The variance peaks at d + 1 = n, the interpolation threshold.
- MLPs: x -> Linear(H) -> tanh -> Linear(1), torch's initialisation, full-batch Adam on the mean
  squared error; the B fits of one width train at once as stacked weights (torch.bmm), each
  with its own loss, so each equals its own run up to rounding.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


def target(x: Tensor, frequency: float) -> Tensor:
    return torch.sin(math.pi * frequency * x)


def sampler(frequency: float, noise_std: float):
    """draw(size, generator) -> (x, y) of the task (float64)."""

    def draw(size: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        x = torch.rand(size, generator=generator, dtype=torch.float64) * 2 - 1
        noise = torch.randn(size, generator=generator, dtype=torch.float64) * noise_std
        return x, target(x, frequency) + noise

    return draw


def polynomial_predictions(xs: Tensor, ys: Tensor, degree: int, x_test: Tensor) -> Tensor:
    """(B, M) predictions of the min-norm degree-`degree` fits to the B sets (B, n)."""
    from learnlab.analysis.bias_variance import legendre_features
    from learnlab.analysis.min_norm import min_norm_least_squares

    test_features = legendre_features(x_test, degree)
    rows = [
        test_features @ min_norm_least_squares(legendre_features(x, degree), y, method="svd")
        for x, y in zip(xs, ys, strict=True)
    ]
    return torch.stack(rows)


def mlp_predictions(
    xs: Tensor, ys: Tensor, width: int, x_test: Tensor, *, steps: int, lr: float, seed: int
) -> Tensor:
    """(B, M) predictions of one-hidden-layer tanh MLPs of `width` units, fit k (seed + k) on
    set k by `steps` full-batch Adam steps on its own mean squared error."""
    sets = len(xs)
    w1, b1, w2, b2 = [], [], [], []
    with torch.random.fork_rng():  # the caller's global generator is left as it was
        for k in range(sets):
            torch.manual_seed(seed + k)
            hidden, out = nn.Linear(1, width), nn.Linear(width, 1)
            w1.append(hidden.weight.T)
            b1.append(hidden.bias[None])
            w2.append(out.weight.T)
            b2.append(out.bias[None])
    params = [torch.stack(p).detach().double().requires_grad_() for p in (w1, b1, w2, b2)]
    optimizer = torch.optim.Adam(params, lr=lr)
    x, y = xs[..., None].double(), ys.double()

    def forward(inputs: Tensor) -> Tensor:  # (B, m, 1) -> (B, m)
        h = torch.tanh(torch.bmm(inputs, params[0]) + params[1])
        return (torch.bmm(h, params[2]) + params[3])[..., 0]

    for _ in range(steps):
        optimizer.zero_grad()
        # the sum of the sets' own mean losses: set k's gradient is that of its own loss
        ((forward(x) - y) ** 2).mean(1).sum().backward()
        optimizer.step()
    with torch.no_grad():
        return forward(x_test.double().expand(sets, -1)[..., None])


def multi_dim_sampler(dim: int, noise_std: float):
    """draw(size, generator) -> (x, y): x ~ U(-1, 1)^dim, y = sin(pi x.u) + e, u = 1/sqrt(dim)."""

    def draw(size: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
        x = torch.rand(size, dim, generator=generator, dtype=torch.float64) * 2 - 1
        noise = torch.randn(size, generator=generator, dtype=torch.float64) * noise_std
        return x, multi_dim_target(x) + noise

    return draw


def multi_dim_target(x: Tensor) -> Tensor:
    return torch.sin(math.pi * x.sum(-1) / x.shape[-1] ** 0.5)


def feature_predictions(
    xs: Tensor, ys: Tensor, count: int, x_test: Tensor, bandwidth: float, seed: int
) -> Tensor:
    """(B, M) predictions of the min-norm least-squares fits on the first `count` random
    Fourier features (the same features for every set)."""
    from learnlab.analysis.min_norm import min_norm_least_squares
    from learnlab.analysis.random_features import RandomFourierFeatures

    rff = RandomFourierFeatures(xs.shape[-1], bandwidth, seed)
    scale = (2.0 / count) ** 0.5
    test = rff.features(x_test, 0, count) * scale
    rows = [
        test @ min_norm_least_squares(rff.features(x, 0, count) * scale, y, method="svd")
        for x, y in zip(xs, ys, strict=True)
    ]
    return torch.stack(rows)


def measured_error(
    predictions: Tensor, target_values: Tensor, noise_std: float, seed: int
) -> float:
    """The mean squared error of the fits against fresh noisy labels f(x) + e at the test
    points (one draw of e per fit and point): what bias^2 + variance + noise predicts."""
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(predictions.shape, generator=generator, dtype=torch.float64) * noise_std
    return float(((target_values + noise - predictions.double()) ** 2).mean())
