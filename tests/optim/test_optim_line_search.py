"""The strong-Wolfe line search (Nocedal & Wright algorithms 3.5 and 3.6): the step returned
satisfies both conditions on the test functions of Moré & Thuente (1994) and on smooth
functions along a descent direction, and is exact on a quadratic with a tiny c2."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.optim.line_search import strong_wolfe


def more_thuente_1(a: float, beta: float = 2.0) -> tuple[float, float]:
    """phi(a) = -a / (a^2 + beta): Moré & Thuente's function 1."""
    return -a / (a * a + beta), (a * a - beta) / (a * a + beta) ** 2


def more_thuente_2(a: float, beta: float = 0.004) -> tuple[float, float]:
    """phi(a) = (a + beta)^5 - 2 (a + beta)^4: function 2."""
    return (a + beta) ** 5 - 2 * (a + beta) ** 4, 5 * (a + beta) ** 4 - 8 * (a + beta) ** 3


def rosenbrock_along(point: list[float], direction: list[float]):
    """phi(a) = f(x + a p) for Rosenbrock's function, by autograd."""
    x0 = torch.tensor(point, dtype=torch.float64)
    p = torch.tensor(direction, dtype=torch.float64)

    def phi(a: float) -> tuple[float, float]:
        x = (x0 + a * p).requires_grad_(True)
        value = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
        (grad,) = torch.autograd.grad(value, x)
        return float(value.detach()), float(grad @ p)

    return phi


def satisfies_strong_wolfe(phi, step: float, c1: float, c2: float) -> bool:
    phi0, dphi0 = phi(0.0)
    value, slope = phi(step)
    return step > 0 and value <= phi0 + c1 * step * dphi0 and abs(slope) <= c2 * abs(dphi0)


def rosenbrock_steepest() -> tuple:
    x0 = [-1.2, 1.0]
    phi = rosenbrock_along(x0, [0.0, 0.0])
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    value = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    (grad,) = torch.autograd.grad(value, x)
    phi = rosenbrock_along(x0, (-grad).tolist())
    return phi


CASES = {
    "more-thuente-1": (more_thuente_1, 1e-3, 0.1),
    "more-thuente-2": (more_thuente_2, 0.01, 0.1),
    "rosenbrock": (rosenbrock_steepest(), 1e-4, 0.1),
    "rosenbrock-loose": (rosenbrock_steepest(), 1e-4, 0.9),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("first_step", [1e-3, 1e-1, 10.0, 1000.0])
def test_returned_step_satisfies_both_wolfe_conditions(name, first_step):
    phi, c1, c2 = CASES[name]
    phi0, dphi0 = phi(0.0)
    found = strong_wolfe(phi, phi0, dphi0, first_step, c1=c1, c2=c2, max_evals=50)
    assert found.satisfied
    assert satisfies_strong_wolfe(phi, found.step, c1, c2)
    assert (found.value, found.derivative) == pytest.approx(phi(found.step), rel=1e-12)


def test_exact_on_a_quadratic_with_tiny_c2():
    def phi(a):  # minimum at a = 0.7
        return 3 * (a - 0.7) ** 2 - 1, 6 * (a - 0.7)

    for first in (1e-4, 0.5, 1.0, 100.0):
        found = strong_wolfe(phi, *phi(0.0), first, c1=1e-12, c2=1e-10)
        assert found.satisfied and math.isclose(found.step, 0.7, rel_tol=1e-9)


def test_evaluation_budget_is_kept_and_reported():
    calls = []

    def phi(a):
        calls.append(a)
        return more_thuente_2(a)

    found = strong_wolfe(phi, *more_thuente_2(0.0), 1e-3, c1=1e-8, c2=1e-6, max_evals=4)
    assert len(calls) == found.evals == 4
    assert not found.satisfied
    phi0, dphi0 = more_thuente_2(0.0)
    assert found.value <= phi0 + 1e-8 * found.step * dphi0  # the best step: sufficient decrease


def test_a_non_finite_trial_is_backed_off():
    def phi(a):  # undefined beyond a = 2
        if a > 2:
            return math.inf, math.nan
        return (a - 1) ** 2, 2 * (a - 1)

    found = strong_wolfe(phi, 1.0, -2.0, 100.0)
    assert found.satisfied and 0 < found.step <= 2


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1.0, 1.0, 1.0), {}, "descent"),
        ((1.0, -1.0, 1.0), {"c1": 0.5, "c2": 0.1}, "c1 < c2"),
        ((1.0, -1.0, 0.0), {}, "first_step"),
    ],
)
def test_bad_arguments(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        strong_wolfe(more_thuente_1, *args, **kwargs)
