"""The bias-variance decomposition of squared test error over training sets (Geman,
Bienenstock & Doursat 1992, "Neural networks and the bias/variance dilemma", Neural
Computation 4(1)).

For a model fitted on training set D, predicting y_D(x) for a target f(x) + noise of variance
sigma^2, the expected squared error at x over training sets and noise splits exactly into

    E_D[(f(x) + e - y_D(x))^2] = (f(x) - E_D y_D(x))^2 + E_D[(y_D(x) - E_D y_D(x))^2] + sigma^2
                               =        bias^2          +          variance             + noise

`decompose` takes the predictions of B fits (B, M) at M test points and the noiseless target
(M,): the expectation over D is the mean over the B fits, and the identity holds exactly for
these means (variance with 1/B), each term averaged over the test points. Where the target is
only known through noisy labels y = f + e, pass them as `target` and no noise: "bias^2" then
includes the noise.

The B training sets come from `training_sets`: "fresh" draws from the known distribution (the
definition above), or "bootstrap" resamples of one training set (Efron's bootstrap; the
estimate when only one sample exists). A bootstrap resample holds about 63% distinct examples,
so a least-squares model that interpolates n distinct points does so at about 0.63 n there.

Example:
    >>> preds = torch.tensor([[1.0, 2.0], [3.0, 2.0]])   # 2 fits, 2 test points
    >>> d = decompose(preds, torch.tensor([2.0, 1.0]), noise_variance=0.5)
    >>> d.bias_squared, d.variance, d.expected_error
    (0.5, 0.5, 1.5)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, unknown_name

RESAMPLING = ("fresh", "bootstrap")


@dataclass(frozen=True)
class Decomposition:
    """Means over the test points; `noise` is None where the noise is unknown, and then
    `expected_error` = bias^2 + variance, the error against `target` itself."""

    bias_squared: float
    variance: float
    noise: float | None
    expected_error: float
    fits: int


def decompose(
    predictions: Tensor, target: Tensor, noise_variance: float | None = None
) -> Decomposition:
    """Bias^2, variance and noise of B fits' predictions (B, M) against the target (M,)."""
    if not isinstance(predictions, Tensor) or predictions.dim() != 2 or 0 in predictions.shape:
        raise ConfigError("predictions must be (B, M): B fits, each at the same M test points.")
    if not isinstance(target, Tensor) or target.shape != predictions.shape[1:]:
        raise ConfigError(
            f"target must be (M,) = ({predictions.shape[1]},), one value per test point; got "
            f"{tuple(target.shape) if isinstance(target, Tensor) else type(target).__name__}."
        )
    if noise_variance is not None and (
        not isinstance(noise_variance, numbers.Real) or not 0 <= noise_variance < math.inf
    ):
        raise ConfigError(f"noise_variance must be a number >= 0 or None, got {noise_variance!r}.")
    preds = predictions.double()
    mean = preds.mean(0)
    bias_squared = float(((target.double() - mean) ** 2).mean())
    variance = float(((preds - mean) ** 2).mean())
    noise = None if noise_variance is None else float(noise_variance)
    return Decomposition(
        bias_squared=bias_squared,
        variance=variance,
        noise=noise,
        expected_error=bias_squared + variance + (noise or 0.0),
        fits=preds.shape[0],
    )


def training_sets(
    sets: int,
    size: int,
    *,
    resampling: str,
    seed: int,
    draw=None,
    pool: tuple[Tensor, Tensor] | None = None,
) -> tuple[Tensor, Tensor]:
    """`sets` training sets of `size` examples as (sets, size, ...) inputs and targets:
    "fresh": `draw(size, generator)` -> (x, y) called once per set; "bootstrap": rows of
    `pool` = (x, y) drawn with replacement (`size` of them). Reproducible from `seed`."""
    if resampling not in RESAMPLING:
        raise unknown_name("resampling", resampling, RESAMPLING)
    for name, value in (("sets", sets), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ConfigError(f"{name} must be an integer >= 1, got {value!r}.")
    generator = torch.Generator().manual_seed(int(seed))
    if resampling == "fresh":
        if draw is None:
            raise ConfigError("resampling='fresh' needs draw(size, generator) -> (x, y).")
        pairs = [draw(size, generator) for _ in range(sets)]
        return torch.stack([p[0] for p in pairs]), torch.stack([p[1] for p in pairs])
    if pool is None or len(pool[0]) == 0:
        raise ConfigError("resampling='bootstrap' needs pool=(x, y), the sample to resample.")
    index = torch.randint(0, len(pool[0]), (sets, size), generator=generator)
    return pool[0][index], pool[1][index]


def legendre_features(x: Tensor, degree: int) -> Tensor:
    """P_0(x), ..., P_degree(x) (Legendre polynomials, orthogonal on [-1, 1]: a well-conditioned
    polynomial basis) for x in [-1, 1]: (..., degree + 1)."""
    if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or degree < 0:
        raise ConfigError(f"degree must be an integer >= 0, got {degree!r}.")
    columns = [torch.ones_like(x)]
    if degree >= 1:
        columns.append(x)
    for k in range(1, degree):  # (k + 1) P_{k+1} = (2k + 1) x P_k - k P_{k-1}
        columns.append(((2 * k + 1) * x * columns[k] - k * columns[k - 1]) / (k + 1))
    return torch.stack(columns, dim=-1)
