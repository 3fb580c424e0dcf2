"""The race's three training objectives, each a model, an objective and its data.

(a) "logistic": multinomial logistic regression on the 8x8 digits (pixels / 16), mean
    cross-entropy + l2/2 ||theta||^2 over all parameters (bias included: strongly convex, one
    optimum, which scipy's L-BFGS-B finds to 1e-12 for the reference f*); float64, full batch.
(b) "mlp": 784-hidden-10 tanh MLP on the first MNIST training images (pixels / 255), mean
    cross-entropy; float32. Its optimum is unknown: the objective itself is reported.
(c) "quadratic": f(x) = 1/2 x'Ax - b'x, A = Q diag(lambda) Q' with lambda log-spaced in
    [1/kappa, 1] and Q a random rotation, so kappa(A) = kappa and L = 1; b = A x* with x*
    standard normal, f* = -1/2 b'x*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.objectives.base import Objective
from learnlab.recipes.optimizer_race.config import OptimizerRaceConfig

PROBLEMS: tuple[str, ...] = ("logistic", "mlp", "quadratic")


@dataclass(frozen=True)
class Problem:
    """One race track: `make_model()` gives the same starting point each time."""

    name: str
    title: str
    make_model: Callable[[], nn.Module]
    objective: Objective
    data: tuple[torch.Tensor, ...]
    optimum: float | None  # f*, where known (convex problems)
    target: float  # the objective value whose first time is reported
    minibatch: int | None  # batch size of the first-order methods (None: full batch)
    epochs: int  # full-batch steps, or passes of minibatches
    x_label: str

    def parameters(self) -> int:
        return sum(p.numel() for p in self.make_model().parameters())


class RegularisedCrossEntropy(Objective):
    """Mean cross-entropy + l2/2 times the squared norm of every parameter."""

    def __init__(self, l2: float = 0.0) -> None:
        self.l2 = l2

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        x, y = batch
        loss = F.cross_entropy(model(x), y)
        if self.l2:
            loss = loss + 0.5 * self.l2 * sum(p.pow(2).sum() for p in model.parameters())
        return loss, {}


class QuadraticObjective(Objective):
    """1/2 x'Ax - b'x of the model's one parameter x; the batch is (A, b) (rows of A with b)."""

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        a, b = batch
        x = model.x
        return 0.5 * x @ (a @ x) - b @ x, {}

    def batch_examples(self, batch: Any) -> int:
        return 1


class Point(nn.Module):
    """The quadratic's variable x as a module (so the Trainer can train it), starting at 0."""

    def __init__(self, dimension: int) -> None:
        super().__init__()
        self.x = nn.Parameter(torch.zeros(dimension, dtype=torch.float64))


def _seeded(build: Callable[[], nn.Module], seed: int) -> Callable[[], nn.Module]:
    def make() -> nn.Module:
        torch.manual_seed(seed)
        return build()

    return make


def logistic_problem(config: OptimizerRaceConfig) -> Problem:
    from learnlab.data import load_dataset

    ds = load_dataset("digits", root=config.data_root, download=config.download)
    x = ds.train.x[: config.digits_examples].double().flatten(1) / ds.scale
    y = ds.train.y[: config.digits_examples].long()
    objective = RegularisedCrossEntropy(config.l2)
    make = _seeded(lambda: nn.Linear(x.shape[1], 10).double(), config.seed)
    optimum = scipy_optimum(make(), objective, (x, y))
    return Problem(
        "logistic",
        f"logistic regression, digits ({len(x)} images, l2 {config.l2:g})",
        make,
        objective,
        (x, y),
        optimum,
        optimum,  # the target is f* itself; reached when f - f* <= tolerance (f0 - f*)
        None,
        config.logistic_iterations,
        "iterations (full-batch steps)",
    )


def mlp_problem(config: OptimizerRaceConfig) -> Problem:
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    x = ds.train.x[: config.mnist_examples].float().flatten(1) / ds.scale
    y = ds.train.y[: config.mnist_examples].long()
    make = _seeded(
        lambda: nn.Sequential(
            nn.Linear(784, config.hidden), nn.Tanh(), nn.Linear(config.hidden, 10)
        ),
        config.seed,
    )
    return Problem(
        "mlp",
        f"MLP 784-{config.hidden}-10, MNIST ({len(x)} images)",
        make,
        RegularisedCrossEntropy(),
        (x, y),
        None,
        config.mlp_target,
        min(config.batch_size, len(x)),
        config.mlp_epochs,
        "epochs (one full-batch step, or one pass of minibatches)",
    )


def quadratic_problem(config: OptimizerRaceConfig) -> Problem:
    d = config.dimension
    draws = torch.Generator().manual_seed(config.seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=draws, dtype=torch.float64))
    eigenvalues = torch.logspace(
        0, -torch.log10(torch.tensor(config.kappa)).item(), d, dtype=torch.float64
    )
    a = (q * eigenvalues) @ q.T
    a = 0.5 * (a + a.T)
    # b = A x* with x* standard normal: every eigen-direction starts O(1) from the optimum
    # (a random b would put ||x*|| ~ kappa, and the adaptive methods' steps ~ lr are per
    # coordinate)
    solution = torch.randn(d, generator=draws, dtype=torch.float64)
    b = a @ solution
    optimum = float(-0.5 * b @ solution)
    return Problem(
        "quadratic",
        f"quadratic, d = {d}, kappa = {config.kappa:g}",
        lambda: Point(d),
        QuadraticObjective(),
        (a, b),
        optimum,
        optimum,
        None,
        config.quadratic_iterations,
        "iterations (full-batch steps)",
    )


def scipy_optimum(model: nn.Module, objective: Objective, batch: tuple) -> float:
    """f* of a smooth objective by scipy's L-BFGS-B to a gradient of 1e-12 (the oracle)."""
    import numpy as np
    from scipy.optimize import minimize
    from torch.nn.utils import parameters_to_vector, vector_to_parameters

    params = list(model.parameters())

    def value_and_gradient(theta: np.ndarray) -> tuple[float, np.ndarray]:
        vector_to_parameters(torch.from_numpy(theta).to(params[0].dtype), params)
        loss = objective(model, batch)[0]
        grads = torch.autograd.grad(loss, params)
        return float(loss.detach()), torch.cat([g.flatten() for g in grads]).double().numpy()

    start = parameters_to_vector(params).detach().double().numpy()
    found = minimize(
        value_and_gradient,
        start,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 100_000, "gtol": 1e-12, "ftol": 1e-16},
    )
    return float(found.fun)


def build_problems(config: OptimizerRaceConfig) -> list[Problem]:
    return [logistic_problem(config), mlp_problem(config), quadratic_problem(config)]
