"""Damped Newton on grad L = 0 against closed-form critical points in float64: it reaches the
double well's saddle (which descent avoids) and the degenerate minima of the scalar two-layer
linear network, returns the Hessian spectrum of the very point it reports, and stops, leaving
the parameters where they were, when no damped step lowers the gradient norm."""

from __future__ import annotations

import pytest
import torch

from learnlab.analysis.damped_newton import damped_newton
from learnlab.io.errors import ConfigError


def problem(function, start):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    hessian = torch.autograd.functional.hessian
    return w, (lambda: function(w)), (lambda: hessian(function, w.detach()))


def double_well(w):
    """(w0^2 - 1)^2 + w1^2: a saddle at 0 (Hessian diag(-4, 2)), minima at (+-1, 0)."""
    return (w[0] ** 2 - 1) ** 2 + w[1] ** 2


def linear_network(w):
    """(1 - w0 w1)^2 / 2: a saddle at 0 (eigenvalues -1, 1), minima on w0 w1 = 1 (eigenvalues
    0 and w0^2 + w1^2: degenerate)."""
    return 0.5 * (1 - w[0] * w[1]) ** 2


def test_newton_converges_to_the_saddle_next_to_its_start_and_reports_its_spectrum():
    w, loss, hessian = problem(double_well, [0.2, 0.3])
    end = damped_newton(loss, [w], hessian, tolerance=1e-13, max_hessians=20)
    assert end.gradient_norm <= 1e-13
    assert w.detach().abs().max() <= 1e-12  # the saddle, not a minimum
    assert end.eigenvalues.tolist() == pytest.approx([-4.0, 2.0], abs=1e-9)
    assert end.hessians <= 8  # quadratic convergence: a few Hessians


def test_degenerate_minima_are_reached_despite_the_zero_eigenvalue():
    w, loss, hessian = problem(linear_network, [1.3, 0.9])
    end = damped_newton(loss, [w], hessian, tolerance=1e-12, max_hessians=30)
    w0, w1 = w.detach().tolist()
    assert end.gradient_norm <= 1e-12 and w0 * w1 == pytest.approx(1.0, abs=1e-10)
    assert end.eigenvalues.tolist() == pytest.approx([0.0, w0**2 + w1**2], abs=1e-8)


def test_the_spectrum_is_that_of_the_final_point_even_when_the_budget_runs_out():
    w, loss, hessian = problem(double_well, [0.45, 0.3])
    end = damped_newton(loss, [w], hessian, tolerance=1e-14, max_hessians=1, chord_steps=1)
    assert end.hessians == 2 and end.gradient_norm > 1e-14
    exact = torch.linalg.eigvalsh(torch.autograd.functional.hessian(double_well, w.detach()))
    assert torch.allclose(end.eigenvalues, exact, rtol=0, atol=1e-12)
    assert end.gradient_norm == pytest.approx(
        float(torch.func.grad(double_well)(w.detach()).norm())
    )


def test_at_a_critical_point_nothing_moves():
    w, loss, hessian = problem(double_well, [1.0, 0.0])
    end = damped_newton(loss, [w], hessian, tolerance=1e-3, max_hessians=5)
    assert end.gradient_norm == 0.0 and end.hessians == 1 and w.detach().tolist() == [1.0, 0.0]


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"tolerance": 0.0, "max_hessians": 1}, "tolerance"),
        ({"tolerance": 1e-6, "max_hessians": -1}, "max_hessians"),
        ({"tolerance": 1e-6, "max_hessians": 1, "chord_steps": 0}, "chord_steps"),
    ],
)
def test_bad_arguments_are_config_errors_naming_them(arguments, match):
    w, loss, hessian = problem(double_well, [0.2, 0.3])
    with pytest.raises(ConfigError, match=match):
        damped_newton(loss, [w], hessian, **arguments)
