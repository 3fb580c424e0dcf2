"""The eigenvalue density of the Hessian of a loss closure by stochastic Lanczos quadrature,
and the index (the fraction of negative eigenvalues) at a point.

Stochastic Lanczos quadrature (Golub & Meurant 1994; Ubaru, Chen & Saad 2017; for neural
networks Ghorbani, Krishnan & Xiao 2019): for a unit vector v = z / sqrt(P) with Rademacher z,
E[v^T f(H) v] = tr f(H) / P, and m Lanczos steps from v give the Gauss quadrature rule
v^T f(H) v ~ sum_i w_i f(theta_i): nodes theta_i the eigenvalues of the tridiagonal T, weights
w_i the squared first components of its eigenvectors, exact for polynomials of degree < 2m.
The nodes come from SciPy's symmetric tridiagonal solver, so they are real by construction
(PyHessian's density took them from a general eigensolver and could return complex ones).
Averaging over `runs` vectors gives the density as point masses, smoothed with a Gaussian for a
figure, and the moments tr(H^j) / P with standard errors over the runs. Memory: `steps` vectors
of the parameters' size (full reorthogonalisation).

Example:
    >>> w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    >>> scales = torch.tensor([1.0, -2.0, 5.0, 3.0], dtype=torch.float64)
    >>> density = spectral_density(lambda: 0.5 * (scales * w**2).sum(), [w], steps=4, runs=3)
    >>> np.round(density.moments[:2], 9).tolist()      # tr(H) / 4, tr(H^2) / 4
    [1.75, 9.75]
    >>> index(lambda: 0.5 * (scales * w**2).sum(), [w]).fraction
    0.25
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from learnlab.analysis.hessian_operator import Closure, HessianOperator
from learnlab.analysis.lanczos import lanczos
from learnlab.io.errors import ConfigError

# the dense Hessian of this many parameters is 64 MB in float64: beyond, index() estimates
MAX_DENSE_INDEX = 2_896


@dataclass(frozen=True)
class SpectralDensity:
    """A Hessian's eigenvalue density by stochastic Lanczos quadrature."""

    nodes: np.ndarray  # (runs, m) Ritz values of each run (m <= steps: a run may stop early)
    weights: np.ndarray  # (runs, m) their quadrature weights; each row sums to 1
    grid: np.ndarray  # (points,) eigenvalues at which the smoothed density is given
    density: np.ndarray  # (points,) the Gaussian-smoothed density; integrates to ~1
    width: float  # the Gaussian's standard deviation
    moments: np.ndarray  # (orders,) estimates of tr(H^j) / P, j = 1, 2, ...
    moment_errors: np.ndarray  # (orders,) their standard errors over the runs
    parameters: int  # P
    products: int  # Hessian-vector products used

    def mass_below(self, value: float) -> tuple[float, float]:
        """The estimated fraction of eigenvalues below `value` and its standard error."""
        per_run = (self.weights * (self.nodes < value)).sum(axis=1)
        return float(per_run.mean()), standard_error(per_run)


@dataclass(frozen=True)
class HessianIndex:
    """The fraction of negative eigenvalues of a Hessian (Dauphin et al. 2014's index)."""

    fraction: float
    standard_error: float  # 0 when exact
    method: str  # "dense" (exact, eigh) or "slq" (stochastic Lanczos quadrature)
    parameters: int
    threshold: float  # eigenvalues below -threshold count as negative


def standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1) / np.sqrt(len(values))) if len(values) > 1 else float("nan")


def quadrature(operator: HessianOperator, steps: int, runs: int, seed: int) -> tuple:
    """(nodes, weights) of `runs` Lanczos runs from Rademacher vectors, padded with weight 0
    where a run stopped early (its Krylov space closed: the rule is then exact)."""
    starts = operator.random_vectors(runs, seed)
    steps = min(steps, operator.size)
    nodes, weights = np.zeros((runs, steps)), np.zeros((runs, steps))
    for r in range(runs):
        values, vectors = lanczos(operator, starts[r], steps, restart_seed=None).ritz()
        nodes[r, : len(values)], weights[r, : len(values)] = values, vectors[0] ** 2
    return nodes, weights


def spectral_density(
    closure: Closure,
    params: Iterable[torch.Tensor],
    *,
    steps: int = 30,
    runs: int = 10,
    seed: int = 0,
    width: float | None = None,
    points: int = 1000,
    orders: int = 4,
) -> SpectralDensity:
    """The eigenvalue density of the Hessian of `closure()` with respect to `params` from
    `runs` Lanczos runs of `steps` steps (runs x steps Hessian-vector products), seeded.
    `width`: the smoothing Gaussian's standard deviation (default 1% of the nodes' range);
    the density is given at `points` values; moments of orders 1 to `orders`."""
    for name, value, least in (("steps", steps, 1), ("runs", runs, 2), ("points", points, 2)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ConfigError(f"{name}={value!r}: give an integer >= {least}.")
    if isinstance(orders, bool) or not isinstance(orders, int) or not 1 <= orders < 2 * steps:
        raise ConfigError(f"orders={orders!r}: give 1 to {2 * steps - 1} (< 2 steps).")
    if width is not None and not width > 0:
        raise ConfigError(f"width={width!r}: give a positive standard deviation.")
    operator = HessianOperator(closure, params)
    nodes, weights = quadrature(operator, steps, runs, seed)
    per_run = np.stack([(weights * nodes**j).sum(axis=1) for j in range(1, orders + 1)], axis=1)
    errors = np.array([standard_error(per_run[:, j]) for j in range(orders)])
    used = nodes[weights > 0]
    low, high = float(used.min()), float(used.max())
    width = width or max(0.01 * (high - low), 1e-3 * max(abs(low), abs(high)), 1e-12)
    grid = np.linspace(low - 4 * width, high + 4 * width, points)
    kernel = np.exp(-0.5 * ((grid[:, None] - nodes.reshape(-1)[None]) / width) ** 2)
    density = kernel @ weights.reshape(-1) / (runs * width * np.sqrt(2 * np.pi))
    return SpectralDensity(
        nodes, weights, grid, density, float(width), per_run.mean(axis=0), errors,
        operator.size, operator.products,
    )  # fmt: skip


def index(
    closure: Closure,
    params: Iterable[torch.Tensor],
    *,
    method: Literal["auto", "dense", "slq"] = "auto",
    steps: int = 30,
    runs: int = 10,
    seed: int = 0,
) -> HessianIndex:
    """The fraction of the Hessian's eigenvalues that are negative at the current parameters:
    exact from the dense Hessian and eigh (`method="dense"`; P products and a P x P matrix),
    or the quadrature's mass below zero (`"slq"`, with a standard error over `runs`);
    `"auto"` is dense up to 2,896 parameters. An eigenvalue counts as negative below
    -sqrt(eps) x the largest magnitude, so that rounding does not make zeros negative."""
    if method not in ("auto", "dense", "slq"):
        raise ConfigError(f"method={method!r}; choose 'auto', 'dense' or 'slq'.")
    operator = HessianOperator(closure, params)
    relative = torch.finfo(operator.dtype).eps ** 0.5
    if method == "dense" or (method == "auto" and operator.size <= MAX_DENSE_INDEX):
        eigenvalues = torch.linalg.eigvalsh(operator.dense().double())
        threshold = relative * float(eigenvalues.abs().max())
        negative = int((eigenvalues < -threshold).sum())
        return HessianIndex(negative / operator.size, 0.0, "dense", operator.size, threshold)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 2:
        raise ConfigError(f"runs={runs!r}: give an integer >= 2.")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ConfigError(f"steps={steps!r}: give an integer >= 1.")
    nodes, weights = quadrature(operator, steps, runs, seed)
    threshold = relative * float(np.abs(nodes).max())
    per_run = (weights * (nodes < -threshold)).sum(axis=1)
    return HessianIndex(
        float(per_run.mean()), standard_error(per_run), "slq", operator.size, threshold
    )
