"""Iterations against the condition number on a quadratic, beside the theory (L4).

On f(x) = 1/2 x'Ax - b'x with eigenvalues in [mu, L] and kappa = L / mu, gradient descent
with the optimal constant step 2 / (L + mu) contracts ||x - x*|| by rho = (kappa - 1) /
(kappa + 1) per step, so it needs about (kappa / 2) ln(1 / tol) iterations: linear in kappa.
Heavy-ball momentum (Polyak 1964) with step 4 / (sqrt L + sqrt mu)^2 and momentum
((sqrt kappa - 1) / (sqrt kappa + 1))^2 contracts by rho = (sqrt kappa - 1) / (sqrt kappa + 1):
about (sqrt kappa / 2) ln(1 / tol) iterations. Both run through `build_optimizer` ("sgd" and
"momentum": torch's v <- beta v + g, x <- x - eps v is the heavy ball x+ = x - eps g +
beta (x - x-)). The quadratic is diagonal (a rotation changes neither method's iterates'
distances), eigenvalues log-spaced from mu = 1 to L = kappa, the start x0 = 0 and x* = 1/lambda
b with b = lambda (all ones x*), so every eigen-direction starts at distance 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from learnlab.train.optimizers import build_optimizer

METHODS: tuple[str, ...] = ("gradient descent", "heavy-ball momentum")
THEORY_SLOPES: dict[str, float] = {"gradient descent": 1.0, "heavy-ball momentum": 0.5}
DIMENSION = 20


@dataclass(frozen=True)
class ConditioningStudy:
    kappas: list[float]
    iterations: dict[str, list[int]]  # measured, per method, per kappa
    theory: dict[str, list[float]]  # ln(1/tol) / ln(1/rho), per method, per kappa
    slopes: dict[str, float]  # fitted on log iterations against log kappa

    def settings(self, method: str, kappa: float) -> dict[str, float]:
        return step_and_momentum(method, kappa)


def step_and_momentum(method: str, kappa: float, smallest: float = 1.0) -> dict[str, float]:
    """The theory's optimal step size (and momentum) for eigenvalues in [mu, kappa mu]."""
    mu, big = smallest, kappa * smallest
    if method == "gradient descent":
        return {"lr": 2 / (big + mu), "momentum": 0.0}
    root = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    return {"lr": 4 / (math.sqrt(big) + math.sqrt(mu)) ** 2, "momentum": root**2}


def contraction(method: str, kappa: float) -> float:
    root = math.sqrt(kappa) if method == "heavy-ball momentum" else kappa
    return (root - 1) / (root + 1)


def theory_iterations(method: str, kappa: float, tolerance: float) -> float:
    rho = contraction(method, kappa)
    return 1.0 if rho == 0 else math.log(1 / tolerance) / math.log(1 / rho)


def iterations_to_tolerance(method: str, kappa: float, tolerance: float, limit: int) -> int:
    """Steps until ||x - x*|| <= tolerance ||x0 - x*|| (limit + 1 if never)."""
    eigenvalues = torch.logspace(0, math.log10(kappa), DIMENSION, dtype=torch.float64)
    solution = torch.ones(DIMENSION, dtype=torch.float64)
    b = eigenvalues * solution
    x = torch.zeros(DIMENSION, dtype=torch.float64, requires_grad=True)
    chosen = step_and_momentum(method, kappa)
    name = "sgd" if chosen["momentum"] == 0 else "momentum"
    optimizer = build_optimizer(name, [x], lr=chosen["lr"], momentum=chosen["momentum"])
    start = float(torch.linalg.vector_norm(solution))
    with torch.no_grad():
        for step in range(1, limit + 1):
            x.grad = eigenvalues * x - b  # the exact gradient of the quadratic
            optimizer.step()
            if float(torch.linalg.vector_norm(x - solution)) <= tolerance * start:
                return step
    return limit + 1


def fitted_slope(kappas: list[float], iterations: list[float]) -> float:
    """Least-squares slope of log(iterations) against log(kappa)."""
    logs = torch.tensor(kappas, dtype=torch.float64).log()
    values = torch.tensor(iterations, dtype=torch.float64).log()
    centred = logs - logs.mean()
    return float((centred * (values - values.mean())).sum() / centred.pow(2).sum())


def conditioning_study(kappas: list[float], tolerance: float) -> ConditioningStudy:
    iterations, theory, slopes = {}, {}, {}
    for method in METHODS:
        # a cap well above the theory's count: an unmet tolerance shows as limit + 1
        counts = [
            iterations_to_tolerance(
                method, k, tolerance, 10 * math.ceil(theory_iterations(method, k, tolerance)) + 100
            )
            for k in kappas
        ]
        iterations[method] = counts
        theory[method] = [theory_iterations(method, k, tolerance) for k in kappas]
        slopes[method] = fitted_slope(kappas, counts)
    return ConditioningStudy(list(kappas), iterations, theory, slopes)
