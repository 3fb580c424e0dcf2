"""Hessian-free Newton-CG against its definition: exact Hessian-vector products, truncated CG
on (H + lambda I) d = -g with its negative-curvature stop, and Martens's damping rule."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.optim import NewtonCG
from learnlab.optim.newton_cg import MIN_DAMPING, next_lambda, truncated_cg


def closure_of(opt, loss_fn):
    def closure(create_graph: bool = False) -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward(create_graph=create_graph)
        return loss

    return closure


def tiny_mlp() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    return model.double(), torch.randn(9, 4, dtype=torch.float64), torch.randint(0, 3, (9,))


def dense_hessian(model, x, y) -> torch.Tensor:
    params = list(model.parameters())
    names = [n for n, _ in model.named_parameters()]

    def loss_of_flat(flat: torch.Tensor) -> torch.Tensor:
        pieces = flat.split([p.numel() for p in params])
        shaped = {n: v.view_as(p) for n, v, p in zip(names, pieces, params, strict=True)}
        out = torch.func.functional_call(model, shaped, (x,))
        return torch.nn.functional.cross_entropy(out, y)

    flat0 = torch.cat([p.detach().reshape(-1) for p in params])
    return torch.autograd.functional.hessian(loss_of_flat, flat0)


def test_hessian_vector_product_equals_the_dense_hessian_times_v():
    model, x, y = tiny_mlp()
    opt = NewtonCG(model.parameters())
    closure = closure_of(opt, lambda: torch.nn.functional.cross_entropy(model(x), y))
    _, grads = opt._evaluate_with_graph(closure)
    dense = dense_hessian(model, x, y)
    gen = torch.Generator().manual_seed(3)
    for _ in range(3):
        v = torch.randn(dense.shape[0], generator=gen, dtype=torch.float64)
        with torch.enable_grad():
            product = opt._hessian_vector(grads, v)
        assert torch.allclose(product, dense @ v, rtol=1e-10, atol=1e-13)


def test_one_cg_iteration_is_the_exact_steepest_descent_step_of_the_model():
    """cg_iters=1, lambda=0: d = -(g.g / g.H g) g with the dense H."""
    model, x, y = tiny_mlp()
    dense = dense_hessian(model, x, y)
    params = list(model.parameters())
    before = torch.cat([p.detach().reshape(-1) for p in params])
    loss = torch.nn.functional.cross_entropy(model(x), y)
    g = torch.cat([t.reshape(-1) for t in torch.autograd.grad(loss, params)])
    expected = before - (g @ g) / (g @ dense @ g) * g
    opt = NewtonCG(params, damping=0.0, cg_iters=1)
    opt.step(closure_of(opt, lambda: torch.nn.functional.cross_entropy(model(x), y)))
    after = torch.cat([p.detach().reshape(-1) for p in params])
    assert opt.state[params[0]]["ratio"] > 0  # accepted
    assert torch.allclose(after, expected, rtol=1e-10, atol=1e-13)


def test_truncated_cg_solves_a_positive_definite_system_in_n_iterations():
    gen = torch.Generator().manual_seed(0)
    m = torch.randn(5, 5, generator=gen, dtype=torch.float64)
    a, g = m @ m.T + torch.eye(5, dtype=torch.float64), torch.randn(5, generator=gen).double()
    solution = truncated_cg(lambda v: a @ v, g, max_iters=5, tolerance=1e-14)
    assert torch.allclose(solution.step, torch.linalg.solve(a, -g), rtol=1e-9)
    assert not solution.negative_curvature
    assert torch.allclose(solution.residual, -g - a @ solution.step, atol=1e-10)


def test_truncated_cg_stops_on_negative_curvature():
    a = torch.diag(torch.tensor([1.0, -1.0], dtype=torch.float64))
    # first direction p = -g = (1, 0.1): p.A p = 0.99 > 0. In two dimensions the second,
    # A-conjugate to it, must have p.A p < 0 (Sylvester's law of inertia)
    g = -torch.tensor([1.0, 0.1], dtype=torch.float64)
    products = []

    def product(v):
        products.append(v)
        return a @ v

    solution = truncated_cg(product, g, max_iters=10, tolerance=1e-14)
    assert solution.negative_curvature and solution.iterations == 1
    first_step = (g @ g) / (g @ a @ g) * (-g)
    assert torch.allclose(solution.step, first_step)  # the iterate before the bad direction
    assert len(products) == 2
    # negative curvature at once: steepest descent
    at_once = truncated_cg(lambda v: -v, g, max_iters=10, tolerance=1e-14)
    assert at_once.negative_curvature and torch.equal(at_once.step, -g)


def test_the_optimizer_reports_negative_curvature_and_steps_downhill():
    w = torch.nn.Parameter(torch.tensor([0.3, -0.2], dtype=torch.float64))
    opt = NewtonCG([w], damping=0.0)
    loss_fn = lambda: torch.cos(w).sum()  # noqa: E731 - H = -diag(cos w) < 0 here
    before = float(loss_fn().detach())
    opt.step(closure_of(opt, loss_fn))
    assert opt.state[w]["negative_curvature"] is True
    assert float(loss_fn().detach()) < before


def test_martens_rule():
    assert next_lambda(1.0, 0.1) == 1.5
    assert next_lambda(1.0, 0.9) == pytest.approx(2.0 / 3.0)
    assert next_lambda(1.0, 0.5) == 1.0
    assert next_lambda(1.0, math.nan) == 1.5
    assert next_lambda(0.0, 0.1) == MIN_DAMPING


def test_the_reduction_ratio_is_measured_over_the_undamped_model():
    """On a quadratic the model is exact: rho = 1 with any lambda, so lambda shrinks by 2/3;
    the step is (A + lambda I)^-1 b, the CG solution of the damped system."""
    a = torch.diag(torch.tensor([1.0, 4.0, 9.0], dtype=torch.float64))
    b = torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64)
    w = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    opt = NewtonCG([w], damping=0.5, cg_iters=3)
    opt.step(closure_of(opt, lambda: 0.5 * w @ a @ w - b @ w))
    expected = torch.linalg.solve(a + 0.5 * torch.eye(3, dtype=torch.float64), b)
    assert torch.allclose(w.detach(), expected, rtol=1e-10)
    state = opt.state[w]
    assert state["ratio"] == pytest.approx(1.0, rel=1e-10)
    assert state["damping"] == pytest.approx(0.5 * 2.0 / 3.0)


def test_a_step_that_raises_the_loss_is_rejected_and_lambda_grows():
    w = torch.nn.Parameter(torch.tensor([0.5], dtype=torch.float64))
    opt = NewtonCG([w], damping=1e-6, lr=50.0, max_backtracks=0)  # 50 Newton steps overshoot
    opt.step(closure_of(opt, lambda: (w**4).sum()))
    assert float(w.detach()) == 0.5
    assert opt.state[w]["damping"] == pytest.approx(1.5e-6)


def test_backtracking_halves_the_step_until_the_loss_falls():
    w = torch.nn.Parameter(torch.tensor([0.5], dtype=torch.float64))
    opt = NewtonCG([w], damping=1e-6, lr=50.0)
    opt.step(closure_of(opt, lambda: (w**4).sum()))
    newton = -(4 * 0.5**3) / (12 * 0.5**2 + 1e-6)  # CG solves the 1-d system exactly
    halvings = next(k for k in range(9) if (0.5 + 50 * 0.5**k * newton) ** 4 < 0.5**4)
    assert halvings > 0
    assert float(w.detach()) == pytest.approx(0.5 + 50 * 0.5**halvings * newton, rel=1e-12)
    state = opt.state[w]
    assert state["step_scale"] == 50 * 0.5**halvings
    assert state["evaluations"] == 2 + halvings
    assert state["damping"] == pytest.approx(1.5e-6)  # the full step over-promised


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": 0}, "lr"),
        ({"lr": True}, "lr"),
        ({"damping": -0.1}, "damping"),
        ({"cg_iters": 0}, "cg_iters"),
        ({"cg_tolerance": 0.0}, "cg_tolerance"),
        ({"max_backtracks": -1}, "max_backtracks"),
    ],
)
def test_bad_settings_are_config_errors_naming_them(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        NewtonCG([torch.nn.Parameter(torch.zeros(2))], **kwargs)
