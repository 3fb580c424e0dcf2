"""Damped Newton against its definition: (H + alpha I) d = -g, theta <- theta + lr d, alpha
adapted by the Levenberg-Marquardt rule; the exact Hessian; the size limit."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.optim import Newton
from learnlab.optim.newton import MIN_DAMPING, next_damping


def quadratic(n: int = 5, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A random symmetric positive definite A and b of f(x) = x.A x / 2 - b.x."""
    gen = torch.Generator().manual_seed(seed)
    m = torch.randn(n, n, generator=gen, dtype=torch.float64)
    return m @ m.T + 0.5 * torch.eye(n, dtype=torch.float64), torch.randn(
        n, generator=gen, dtype=torch.float64
    )


def closure_of(opt: torch.optim.Optimizer, loss_fn):
    def closure(create_graph: bool = False) -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward(create_graph=create_graph)
        return loss

    return closure


def quadratic_run(damping: float, lr: float = 1.0) -> tuple[torch.Tensor, Newton]:
    a, b = quadratic()
    x = torch.nn.Parameter(torch.zeros(5, dtype=torch.float64))
    opt = Newton([x], lr=lr, damping=damping)
    opt.step(closure_of(opt, lambda: 0.5 * x @ a @ x - b @ x))
    return x.detach(), opt


def test_undamped_newton_solves_a_quadratic_in_one_step():
    a, b = quadratic()
    x, _ = quadratic_run(damping=0.0)
    assert torch.allclose(x, torch.linalg.solve(a, b), rtol=1e-12, atol=1e-12)


def test_the_damped_step_solves_h_plus_alpha_i_and_lr_scales_it():
    a, b = quadratic()
    x, opt = quadratic_run(damping=2.0, lr=0.5)
    # from x = 0 the gradient is -b: d = (A + 2 I)^-1 b, and theta = 0.5 d
    expected = 0.5 * torch.linalg.solve(a + 2.0 * torch.eye(5, dtype=torch.float64), b)
    assert torch.allclose(x, expected, rtol=1e-12, atol=1e-14)
    assert opt.state[opt.param_groups[0]["params"][0]]["damping"] == pytest.approx(2.0 * 0.1)


def test_levenberg_marquardt_rule():
    assert next_damping(1.0, True, 0.1, 10.0) == pytest.approx(0.1)
    assert next_damping(1.0, False, 0.1, 10.0) == 10.0
    assert next_damping(0.0, False, 0.1, 10.0) == MIN_DAMPING
    assert next_damping(0.0, True, 0.1, 10.0) == 0.0


def test_rejected_steps_grow_alpha_until_the_loss_falls_as_defined():
    """f = cos(x) from x = 0.1, where f'' < 0: small alpha steps uphill towards the maximum at 0
    and is rejected; the rule grows alpha until a step lowers f, then shrinks it once."""
    x0, alpha0, decrease, increase = 0.1, 1e-3, 0.1, 10.0
    # the definition, step by step
    alpha, expected_x, evaluations = alpha0, x0, 1
    for _ in range(10):
        d = math.sin(x0) / (-math.cos(x0) + alpha)
        evaluations += 1
        if math.cos(x0 + d) < math.cos(x0):
            expected_x, alpha = x0 + d, alpha * decrease
            break
        alpha *= increase
    assert alpha != alpha0 * decrease  # at least one rejection happened on the way
    x = torch.nn.Parameter(torch.tensor([x0], dtype=torch.float64))
    opt = Newton([x], damping=alpha0, damping_decrease=decrease, damping_increase=increase)
    opt.step(closure_of(opt, lambda: torch.cos(x).sum()))
    state = opt.state[x]
    assert state["damping"] == pytest.approx(alpha, rel=1e-12)
    assert state["evaluations"] == evaluations
    assert float(x.detach()) == pytest.approx(expected_x, rel=1e-12)


def test_no_step_after_max_tries_rejections():
    x = torch.nn.Parameter(torch.tensor([0.1], dtype=torch.float64))
    opt = Newton([x], damping=1e-3, max_tries=1)  # the one try steps uphill
    opt.step(closure_of(opt, lambda: torch.cos(x).sum()))
    assert float(x.detach()) == 0.1 and opt.state[x]["damping"] == pytest.approx(1e-2)


def test_the_hessian_is_exact():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    model = model.double()
    x, y = torch.randn(7, 3, dtype=torch.float64), torch.randint(0, 2, (7,))
    params = list(model.parameters())
    opt = Newton(params)
    names = [n for n, _ in model.named_parameters()]
    flat0 = torch.cat([p.detach().reshape(-1) for p in params])

    def loss_of_flat(flat: torch.Tensor) -> torch.Tensor:
        pieces = dict(zip(names, flat.split([p.numel() for p in params]), strict=True))
        shaped = {n: v.view_as(p) for (n, v), p in zip(pieces.items(), params, strict=True)}
        out = torch.func.functional_call(model, shaped, (x,))
        return torch.nn.functional.cross_entropy(out, y)

    dense = torch.autograd.functional.hessian(loss_of_flat, flat0)
    closure = closure_of(opt, lambda: torch.nn.functional.cross_entropy(model(x), y))
    _, grads = opt._evaluate_with_graph(closure)
    with torch.enable_grad():
        ours = opt._hessian(grads, flat0.numel(), flat0)
    assert torch.allclose(ours, dense, rtol=1e-10, atol=1e-12)


def test_a_model_too_large_is_refused_pointing_to_newton_cg():
    model = torch.nn.Linear(100, 100)  # 10,100 parameters
    with pytest.raises(ConfigError, match=r"10100 parameters.*max_parameters=5000.*newton-cg"):
        Newton(model.parameters())
    Newton(model.parameters(), max_parameters=20_000)  # raised on request


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"lr": 0.0}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"damping": -1.0}, "damping"),
        ({"damping_decrease": 1.5}, "damping_decrease"),
        ({"damping_increase": 1.0}, "damping_increase"),
        ({"max_tries": 0}, "max_tries"),
    ],
)
def test_bad_settings_are_config_errors_naming_them(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        Newton([torch.nn.Parameter(torch.zeros(2))], **kwargs)


def test_a_closure_that_cannot_build_the_graph_is_told_how():
    x = torch.nn.Parameter(torch.zeros(2))
    opt = Newton([x])

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    with pytest.raises(TypeError, match="create_graph"):
        opt.step(closure)
