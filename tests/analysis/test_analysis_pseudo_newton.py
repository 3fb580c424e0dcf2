"""Newton's method with the pseudo-inverse against closed forms in float64: its step is
-H^+ g (one step solves a quadratic, flat directions left alone), it converges to the saddle
next to its start with the right index (the double well's saddle, 1/2; a separable cubic's
saddles of index 1/3 and 2/3 and its minimum), and it stops where no step lowers |g|, or when
its budget of Hessians runs out, with the spectrum of the point where it stopped."""

from __future__ import annotations

import pytest
import torch

from learnlab.analysis.critical_points import index_of
from learnlab.analysis.pseudo_newton import newton_step, pseudo_inverse_newton
from learnlab.io.errors import ConfigError


def problem(function, start):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    hessian = torch.autograd.functional.hessian
    return w, (lambda: function(w)), (lambda: hessian(function, w.detach()))


def double_well(w):
    """(w0^2 - 1)^2 + w1^2: a saddle at 0 (Hessian diag(-4, 2)), minima at (+-1, 0)."""
    return (w[0] ** 2 - 1) ** 2 + w[1] ** 2


def cubic(w):
    """w0^3/3 - w0 + w1^3/3 - w1 + w2^2: critical points at w0, w1 = +-1, w2 = 0, the Hessian
    diag(2 w0, 2 w1, 2); (-1, -1, 0) is a saddle of index 2/3, (1, -1, 0) of index 1/3, (1, 1,
    0) a minimum."""
    return w[0] ** 3 / 3 - w[0] + w[1] ** 3 / 3 - w[1] + w[2] ** 2


def test_the_step_is_minus_the_pseudo_inverse_times_the_gradient():
    generator = torch.Generator().manual_seed(0)
    basis, _ = torch.linalg.qr(torch.randn(4, 4, generator=generator, dtype=torch.float64))
    values = torch.tensor([-3.0, 1e-12, 0.5, 2.0], dtype=torch.float64)
    hessian = basis @ torch.diag(values) @ basis.T
    gradient = torch.randn(4, generator=generator, dtype=torch.float64)
    step = newton_step(values, basis, gradient, cutoff=1e-7)
    # the closed form: the pseudo-inverse with the 1e-12 eigenvalue counted as 0
    expected = -torch.linalg.pinv(hessian, rtol=1e-7, hermitian=True) @ gradient
    assert torch.allclose(step, expected, rtol=0, atol=1e-12)
    assert float(basis[:, 1] @ step) == pytest.approx(0.0, abs=1e-12)  # flat direction kept
    full = newton_step(values[[0, 2, 3]], basis[:, [0, 2, 3]], gradient, cutoff=1e-7)
    reduced = basis[:, [0, 2, 3]] @ torch.diag(values[[0, 2, 3]]) @ basis[:, [0, 2, 3]].T
    assert torch.allclose(reduced @ full, -(reduced @ torch.linalg.pinv(reduced) @ gradient))


def test_one_step_reaches_the_critical_point_of_a_quadratic():
    a = torch.tensor([[2.0, 1.0], [1.0, -3.0]], dtype=torch.float64)  # indefinite: a saddle
    b = torch.tensor([1.0, -2.0], dtype=torch.float64)
    w, loss, hessian = problem(lambda v: 0.5 * v @ a @ v - b @ v, [5.0, 4.0])
    end = pseudo_inverse_newton(loss, [w], hessian, tolerance=1e-12, max_hessians=5)
    assert end.hessians == 2  # one step, then the spectrum of the point reached
    assert torch.allclose(w.detach(), torch.linalg.solve(a, b), atol=1e-12)
    assert index_of(end.eigenvalues) == 0.5


@pytest.mark.parametrize(
    ("start", "critical", "index"),
    [
        ([-0.8, -1.2, 0.3], [-1.0, -1.0, 0.0], 2 / 3),
        ([0.7, -1.3, -0.2], [1.0, -1.0, 0.0], 1 / 3),
        ([1.2, 0.8, 0.1], [1.0, 1.0, 0.0], 0.0),
    ],
)
def test_the_cubic_critical_point_next_to_the_start_is_found_with_its_index(start, critical, index):
    w, loss, hessian = problem(cubic, start)
    end = pseudo_inverse_newton(loss, [w], hessian, tolerance=1e-12, max_hessians=20)
    assert end.gradient_norm <= 1e-12 and end.hessians <= 8  # quadratic convergence
    assert w.detach().tolist() == pytest.approx(critical, abs=1e-10)
    assert index_of(end.eigenvalues) == pytest.approx(index)
    exact = torch.linalg.eigvalsh(torch.autograd.functional.hessian(cubic, w.detach()))
    assert torch.allclose(end.eigenvalues, exact, atol=1e-9)


def test_the_double_well_saddle_attracts_newton_where_descent_leaves_it():
    w, loss, hessian = problem(double_well, [0.2, 0.3])
    end = pseudo_inverse_newton(loss, [w], hessian, tolerance=1e-13, max_hessians=20)
    assert end.gradient_norm <= 1e-13 and float(w.detach().abs().max()) <= 1e-12
    assert end.eigenvalues.tolist() == pytest.approx([-4.0, 2.0], abs=1e-9)


def test_where_no_step_lowers_the_gradient_it_stops_in_place_with_that_spectrum():
    """w0^3/3 + w0 + w1^2 has no critical point (d/dw0 = w0^2 + 1 >= 1); at w0 = 0 the
    curvature in w0 is 0, so after the step that zeroes w1 no step lowers |g| = 1."""
    w, loss, hessian = problem(lambda v: v[0] ** 3 / 3 + v[0] + v[1] ** 2, [0.0, 0.5])
    end = pseudo_inverse_newton(loss, [w], hessian, tolerance=1e-6, max_hessians=10)
    assert end.hessians == 2 and end.gradient_norm == pytest.approx(1.0)
    assert w.detach().tolist() == pytest.approx([0.0, 0.0], abs=1e-15)
    assert end.eigenvalues.tolist() == pytest.approx([0.0, 2.0])


def test_when_the_budget_runs_out_the_spectrum_is_that_of_the_final_point():
    w, loss, hessian = problem(lambda v: torch.exp(v[0]), [0.0])  # no critical point
    end = pseudo_inverse_newton(loss, [w], hessian, tolerance=1e-6, max_hessians=3)
    assert end.hessians == 4 and w.detach().tolist() == pytest.approx([-3.0])
    assert end.gradient_norm == pytest.approx(float(torch.exp(w.detach()[0])))
    assert end.eigenvalues.tolist() == pytest.approx([end.gradient_norm])


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"tolerance": 0.0}, "tolerance"),
        ({"max_hessians": -1}, "max_hessians"),
        ({"cutoff": 1.0}, "cutoff"),
        ({"min_step": 0.0}, "min_step"),
    ],
)
def test_bad_arguments_are_config_errors_naming_them(arguments, match):
    w, loss, hessian = problem(double_well, [0.2, 0.3])
    with pytest.raises(ConfigError, match=match):
        pseudo_inverse_newton(
            loss, [w], hessian, **{"tolerance": 1e-6, "max_hessians": 3, **arguments}
        )
