"""Critical points and their index against exact oracles: losses of two parameters whose
critical points are known in closed form (a double well with a saddle between its minima; the
scalar two-layer linear network, whose origin is a saddle and whose minima w1 w2 = 1 are
degenerate), a loss with no critical point (every search rejected), and the gradient of the
squared gradient norm against finite differences and the dense Hessian in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.base import flat, loss_closure
from learnlab.analysis.critical_points import (
    CriticalPoints,
    critical_points,
    gradient_norm_objective,
    index_of,
)
from learnlab.analysis.hessian import dense_hessian
from learnlab.io.errors import ConfigError


class TwoParameters(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.zeros(2, dtype=torch.float64))


def double_well(model, batch):
    """(w0^2 - 1)^2 + w1^2: minima at (+-1, 0) (Hessian diag(8, 2)), a saddle at the origin
    (Hessian diag(-4, 2): index 1/2)."""
    w = model.w
    return (w[0] ** 2 - 1) ** 2 + w[1] ** 2, {}


def linear_network(model, batch):
    """(1 - w0 w1)^2 / 2, a one-unit two-layer linear network fitting 1: the origin is a saddle
    (Hessian [[0, -1], [-1, 0]], eigenvalues -1 and 1), w0 w1 = 1 a curve of minima (Hessian
    eigenvalues 0 and w0^2 + w1^2)."""
    w = model.w
    return 0.5 * (1 - w[0] * w[1]) ** 2, {}


def no_error(model, batch):
    return 0.0


def starts(*points):
    return [torch.tensor(p, dtype=torch.float64) for p in points]


@pytest.mark.parametrize("newton_steps", [0, 5])
def test_the_double_well_saddle_and_minima_are_found_with_their_index(newton_steps):
    found = critical_points(
        TwoParameters(),
        double_well,
        None,
        starts([0.2, 0.3], [0.8, -0.1], [-0.8, 0.1]),
        error=no_error,
        newton_steps=newton_steps,
        tolerance=1e-8,
    )
    assert found.rejected == 0 and found.start.tolist() == [0, 1, 2]
    np.testing.assert_allclose(found.loss, [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_array_equal(found.index, [0.5, 0.0, 0.0])
    np.testing.assert_allclose(found.eigenvalues, [[-4, 2], [2, 8], [2, 8]], atol=1e-6)
    assert (found.gradient_norm <= 1e-8).all() and found.parameters == 2


def test_the_linear_network_saddle_has_index_one_half_and_its_degenerate_minima_zero():
    found = critical_points(
        TwoParameters(),
        linear_network,
        None,
        starts([0.05, -0.03], [1.2, 0.9]),
        error=no_error,
        tolerance=1e-8,
    )
    assert found.rejected == 0
    np.testing.assert_array_equal(found.index, [0.5, 0.0])
    np.testing.assert_allclose(found.eigenvalues[0], [-1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(found.loss, [0.5, 0.0], atol=1e-12)
    # the zero eigenvalue along the curve of minima is not counted as negative
    assert abs(found.eigenvalues[1][0]) < 1e-6


def test_a_loss_without_critical_points_rejects_every_search():
    def tilted(model, batch):  # w0 + w1^2: the gradient's norm is at least 1 everywhere
        return model.w[0] + model.w[1] ** 2, {}

    found = critical_points(TwoParameters(), tilted, None, starts([0.0, 1.0]), error=no_error)
    assert found.rejected == 1 and len(found.index) == 0 and found.rejected_start.tolist() == [0]
    assert found.eigenvalues.shape == (0, 2)
    np.testing.assert_allclose(found.rejected_gradient_norm, [1.0], atol=1e-6)


def small_mlp_problem():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 3)).double()
    x = torch.randn(12, 3, dtype=torch.float64)
    return model, (x, torch.randint(0, 3, (12,)))


def cross_entropy(model, batch):
    return F.cross_entropy(model(batch[0]), batch[1]), {}


def test_the_gradient_of_the_squared_gradient_norm_is_the_hessian_times_the_gradient():
    model, batch = small_mlp_problem()
    params = list(model.parameters())
    loss = loss_closure(model, cross_entropy, batch)
    value, hg = gradient_norm_objective(loss, params)
    g = flat(torch.autograd.grad(loss(), params)).detach()
    assert value == pytest.approx(0.5 * float(g @ g), rel=1e-12)
    torch.testing.assert_close(hg, dense_hessian(model, cross_entropy, batch) @ g)
    base = flat([p.detach() for p in params]).clone()

    def q(vector):
        torch.nn.utils.vector_to_parameters(vector, params)
        return gradient_norm_objective(loss, params)[0]

    step = 1e-6
    for i in range(0, base.numel(), 7):  # central differences along a few coordinates
        e = torch.zeros_like(base)
        e[i] = step
        difference = (q(base + e) - q(base - e)) / (2 * step)
        assert difference == pytest.approx(float(hg[i]), rel=1e-5, abs=1e-9)


def test_a_small_mlp_search_leaves_the_model_and_reports_the_classification_error():
    model, batch = small_mlp_problem()
    before = flat([p.detach() for p in model.parameters()]).clone()
    found = critical_points(model, cross_entropy, batch, [before], tolerance=1e-3)
    torch.testing.assert_close(flat([p.detach() for p in model.parameters()]), before)
    assert found.rejected + len(found.index) == 1
    if len(found.index):  # the error is a fraction of the 12 examples
        assert float(found.error[0] * 12) == pytest.approx(round(float(found.error[0] * 12)))


def test_index_counts_negative_eigenvalues_but_not_round_off_zeros():
    assert index_of(np.array([-2.0, -1e-12, 0.0, 1.0])) == 0.25
    assert index_of(torch.tensor([-3.0, -1.0, 2.0, 5.0])) == 0.5
    with pytest.raises(ConfigError, match="eigenvalues"):
        index_of(np.array([]))


def test_the_correlation_of_index_and_error_is_spearmans():
    def points(index, error):
        n = len(index)
        empty = np.zeros(0)
        return CriticalPoints(
            loss=np.zeros(n),
            error=np.array(error),
            index=np.array(index),
            gradient_norm=np.zeros(n),
            eigenvalues=np.zeros((n, 1)),
            start=np.arange(n),
            rejected=0,
            rejected_gradient_norm=empty,
            rejected_start=empty.astype(np.int64),
            tolerance=1e-6,
            parameters=1,
        )

    five = points([0.0, 0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.5, 0.9, 0.95])
    assert five.index_error_correlation() == pytest.approx(1.0)
    # four points: no rank correlation is significant, so none is reported unless asked
    four = points([0.0, 0.1, 0.2, 0.3], [0.1, 0.2, 0.5, 0.9])
    assert np.isnan(four.index_error_correlation())
    assert four.index_error_correlation(min_points=3) == 1.0
    three = points([0.0, 0.1, 0.2], [0.9, 0.5, 0.6])
    assert three.index_error_correlation(min_points=3) == pytest.approx(-0.5)
    assert np.isnan(points([0.0, 0.1], [0.1, 0.2]).index_error_correlation(min_points=3))


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"tolerance": 0.0}, "tolerance"),
        ({"max_iterations": 0}, "max_iterations"),
        ({"max_iterations": -1, "newton_steps": 5}, "max_iterations"),
        ({"newton_steps": 5, "newton": "exact"}, "newton"),
        ({"newton_steps": -1}, "newton_steps"),
        ({"starts": []}, "starts"),
        ({"starts": [torch.zeros(3)]}, r"starts\[0\]"),
    ],
)
def test_bad_arguments_are_config_errors_naming_them(overrides, match):
    arguments = {"starts": starts([0.1, 0.1]), **overrides}
    with pytest.raises(ConfigError, match=match):
        critical_points(TwoParameters(), double_well, None, error=no_error, **arguments)


def test_objectives_that_are_not_scalar_losses_of_the_parameters_are_refused():
    def vector(model, batch):
        return model.w * 2, {}

    def constant(model, batch):
        return torch.tensor(1.0), {}

    for objective, match in ((vector, "scalar"), (constant, "needs no gradient")):
        with pytest.raises(ConfigError, match=match):
            critical_points(TwoParameters(), objective, None, starts([0.1, 0.1]), error=no_error)
    with pytest.raises(ConfigError, match="no parameters"):
        critical_points(nn.Identity(), double_well, None, starts([0.1]), error=no_error)


def test_newton_steps_finish_a_search_that_l_bfgs_left_unfinished():
    """One L-BFGS iteration leaves the double well's saddle unreached; Newton's method, which
    is drawn to saddles as to minima, then converges to it."""
    arguments = {"error": no_error, "max_iterations": 1, "tolerance": 1e-10}
    start = starts([0.2, 0.3])
    alone = critical_points(TwoParameters(), double_well, None, start, **arguments)
    assert alone.rejected == 1
    refined = critical_points(
        TwoParameters(), double_well, None, start, newton_steps=20, **arguments
    )
    assert refined.rejected == 0 and refined.index.tolist() == [0.5]
    assert refined.gradient_norm[0] <= 1e-10
