"""Oracle: on L2-regularised logistic regression on the 8x8 digits (float64), Newton, CG (both
betas), Newton-CG and torch's L-BFGS reach scipy.optimize.minimize's optimum to 1e-6 relative
objective. Objective: mean cross-entropy + lambda/2 |w|^2 (the bias too: strictly convex).

The quick test uses the first 600 digits (seconds) and a few more steps than each method
needed there when measured; the slow one all 1,797 digits and three times as many steps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import minimize
from scipy.special import logsumexp
from sklearn.datasets import load_digits

from learnlab.optim import Newton, NewtonCG, NonlinearCG

LAMBDA = 1e-3
CLASSES, FEATURES = 10, 64


def digits(n: int | None) -> tuple[np.ndarray, np.ndarray]:
    x, y = load_digits(return_X_y=True)
    return (x / 16.0)[:n], y[:n]


def scipy_optimum(x: np.ndarray, y: np.ndarray) -> float:
    """The minimum by scipy's L-BFGS-B on a NumPy objective and gradient written here."""
    onehot = np.eye(CLASSES)[y]
    design = np.hstack([x, np.ones((len(x), 1))])  # the last row of w is the bias

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w = flat.reshape(FEATURES + 1, CLASSES)
        logits = design @ w
        log_z = logsumexp(logits, axis=1)
        value = np.mean(log_z - (logits * onehot).sum(1)) + LAMBDA / 2 * flat @ flat
        probs = np.exp(logits - log_z[:, None])
        grad = design.T @ (probs - onehot) / len(x) + LAMBDA * w
        return value, grad.reshape(-1)

    found = minimize(
        objective,
        np.zeros((FEATURES + 1) * CLASSES),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 10_000, "maxcor": 30},
    )
    assert np.abs(found.jac).max() < 1e-7, found.message
    return float(found.fun)


def torch_minimum(x: np.ndarray, y: np.ndarray, build, steps: int) -> float:
    torch.manual_seed(0)
    model = torch.nn.Linear(FEATURES, CLASSES).double()
    inputs, labels = torch.from_numpy(x), torch.from_numpy(y)
    optimizer = build(list(model.parameters()))

    def loss() -> torch.Tensor:
        penalty = sum((p * p).sum() for p in model.parameters())
        return torch.nn.functional.cross_entropy(model(inputs), labels) + LAMBDA / 2 * penalty

    def closure(create_graph: bool = False) -> torch.Tensor:
        optimizer.zero_grad()
        value = loss()
        value.backward(create_graph=create_graph)
        return value

    for _ in range(steps):
        optimizer.step(closure)
    with torch.no_grad():
        return float(loss())


OPTIMIZERS = {
    "newton": (lambda p: Newton(p), 8),
    "cg-pr+": (lambda p: NonlinearCG(p, beta="pr+", max_iter=50), 3),
    "cg-fr": (lambda p: NonlinearCG(p, beta="fr", max_iter=50), 3),
    "newton-cg": (lambda p: NewtonCG(p, cg_iters=20), 30),
    "lbfgs": (
        lambda p: torch.optim.LBFGS(
            p,
            lr=1.0,
            max_iter=100,
            history_size=20,
            tolerance_grad=1e-12,
            tolerance_change=1e-15,
            line_search_fn="strong_wolfe",
        ),
        3,
    ),
}


@pytest.fixture(scope="module")
def problem() -> tuple[np.ndarray, np.ndarray, float]:
    x, y = digits(600)
    return x, y, scipy_optimum(x, y)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_reaches_scipys_optimum(name, problem):
    x, y, optimum = problem
    build, steps = OPTIMIZERS[name]
    reached = torch_minimum(x, y, build, steps)
    assert abs(reached - optimum) / optimum <= 1e-6, (reached, optimum)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_reaches_scipys_optimum_on_all_digits(name):
    x, y = digits(None)
    optimum = scipy_optimum(x, y)
    build, steps = OPTIMIZERS[name]
    reached = torch_minimum(x, y, build, 3 * steps)
    assert abs(reached - optimum) / optimum <= 1e-6, (reached, optimum)
