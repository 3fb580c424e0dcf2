"""Newton-MR against closed forms in float64: its MINRES step is the minimum-norm least-squares
solution (numpy's pinv / lstsq) on a singular consistent system, it converges to the saddle
next to its start (the double well's, index 1/2; a cubic's saddles of index 1/3 and 2/3) to
1e-10, it stops at a point where |g|^2 has a stationary point that is not 0 (a gradient-flat
point) and says so, and bad settings are ConfigErrors naming them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from learnlab.analysis.critical_points import index_of
from learnlab.analysis.newton_mr import minres_step, newton_mr
from learnlab.io.errors import ConfigError


def double_well(w):
    """(w0^2 - 1)^2 + w1^2: a saddle at 0 (Hessian diag(-4, 2)), minima at (+-1, 0)."""
    return (w[0] ** 2 - 1) ** 2 + w[1] ** 2


def cubic(w):
    """Critical points at w0, w1 = +-1, w2 = 0 with Hessian diag(2 w0, 2 w1, 2)."""
    return w[0] ** 3 / 3 - w[0] + w[1] ** 3 / 3 - w[1] + w[2] ** 2


def search(function, start, **settings):
    w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    end = newton_mr(lambda: function(w), [w], **settings)
    hessian = torch.autograd.functional.hessian(function, w.detach())
    return end, w.detach(), index_of(torch.linalg.eigvalsh(hessian))


def test_the_minres_step_is_the_minimum_norm_solution_of_a_singular_system():
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    values = np.array([-3.0, -0.5, 0.0, 0.0, 1.0, 4.0])  # indefinite, a 2-d kernel
    hessian = basis @ np.diag(values) @ basis.T
    gradient = hessian @ rng.standard_normal(6)  # in the range: a consistent system
    step = minres_step(lambda v: hessian @ v, gradient)
    expected = -np.linalg.pinv(hessian, rcond=1e-12) @ gradient
    assert np.allclose(step, expected, atol=1e-10)
    assert np.allclose(step, -np.linalg.lstsq(hessian, gradient, rcond=None)[0], atol=1e-10)


def test_on_an_inconsistent_system_the_step_lowers_the_residual_and_stays_bounded():
    rng = np.random.default_rng(1)
    basis, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    hessian = basis @ np.diag([-2.0, 0.0, 0.5, 1.0, 3.0]) @ basis.T
    gradient = rng.standard_normal(5)  # with a part in the kernel: no exact solution
    step = minres_step(lambda v: hessian @ v, gradient)
    best = -np.linalg.pinv(hessian, rcond=1e-12) @ gradient
    residual = np.linalg.norm(hessian @ step + gradient)
    assert residual == pytest.approx(np.linalg.norm(hessian @ best + gradient), rel=1e-8)
    assert np.linalg.norm(step) <= 10 * np.linalg.norm(best)


def test_it_converges_to_the_double_wells_saddle_not_a_minimum():
    end, w, index = search(double_well, [0.2, -0.1], tolerance=1e-10)
    assert end.reason == "tolerance" and end.gradient_norm <= 1e-10
    assert float(w.abs().max()) < 1e-10 and index == 0.5


@pytest.mark.parametrize(
    ("start", "point", "index"),
    [([-0.7, -1.3, 0.2], [-1, -1, 0], 2 / 3), ([1.2, -0.8, -0.3], [1, -1, 0], 1 / 3)],
)
def test_it_finds_a_cubics_saddles_with_their_index(start, point, index):
    end, w, found = search(cubic, start, tolerance=1e-12)
    assert end.gradient_norm <= 1e-12
    assert torch.allclose(w, torch.tensor(point, dtype=torch.float64), atol=1e-10)
    assert found == pytest.approx(index)


def test_it_stops_at_a_gradient_flat_point_and_says_why():
    """L = w0 + w1^2: g = (1, 2 w1) never vanishes; |g|^2 is least at w1 = 0, where g = (1, 0)
    lies in the Hessian's kernel, so no step lowers |g| and the search reports the line
    search (the parameters stay where it stopped)."""
    end, w, _ = search(lambda w: w[0] + w[1] ** 2, [0.3, 0.5], tolerance=1e-12)
    assert end.reason == "line search"
    assert end.gradient_norm == pytest.approx(1.0, abs=1e-12) and abs(float(w[1])) < 1e-12


def test_the_step_budget_ends_the_search():
    end, _, _ = search(double_well, [0.6, 0.4], tolerance=1e-14, max_steps=1)
    assert end.steps == 1 and end.reason == "steps" and end.gradient_norm > 1e-14


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"tolerance": 0.0}, "tolerance"),
        ({"tolerance": 1e-6, "max_steps": -1}, "max_steps"),
        ({"tolerance": 1e-6, "inexactness": 1.5}, "inexactness"),
        ({"tolerance": 1e-6, "min_step": 0.0}, "min_step"),
    ],
)
def test_bad_settings_are_config_errors_naming_them(settings, match):
    w = torch.tensor([0.2, 0.1], dtype=torch.float64, requires_grad=True)
    with pytest.raises(ConfigError, match=match):
        newton_mr(lambda: double_well(w), [w], **settings)
