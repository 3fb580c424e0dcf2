"""Nonlinear CG against its definition: with an exact line search on a quadratic both betas
give linear CG (the minimum in n steps for n dimensions); beta is Fletcher-Reeves' or
Polak-Ribiere+'s formula; restarts."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.optim import NonlinearCG
from learnlab.optim.nonlinear_cg import cg_beta

N = 6


def quadratic() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    q, _ = torch.linalg.qr(torch.randn(N, N, generator=gen, dtype=torch.float64))
    eigenvalues = torch.tensor([1.0, 2.0, 5.0, 10.0, 30.0, 100.0], dtype=torch.float64)
    return q @ torch.diag(eigenvalues) @ q.T, torch.randn(N, generator=gen, dtype=torch.float64)


def linear_cg_iterates(a: torch.Tensor, b: torch.Tensor) -> list[torch.Tensor]:
    """Hestenes & Stiefel's CG for A x = b from x = 0: x_1 ... x_n."""
    x = torch.zeros_like(b)
    r = b - a @ x
    p, iterates = r.clone(), []
    for _ in range(len(b)):
        alpha = (r @ r) / (p @ a @ p)
        x = x + alpha * p
        new_r = r - alpha * (a @ p)
        p = new_r + (new_r @ new_r) / (r @ r) * p
        r = new_r
        iterates.append(x.clone())
    return iterates


def closure_of(opt, loss_fn):
    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("beta", ["fr", "pr+"])
def test_with_exact_line_search_it_is_linear_cg_on_a_quadratic(beta):
    a, b = quadratic()
    x = torch.nn.Parameter(torch.zeros(N, dtype=torch.float64))
    opt = NonlinearCG([x], beta=beta, c1=1e-12, c2=1e-10, max_evals=60)
    closure = closure_of(opt, lambda: 0.5 * x @ a @ x - b @ x)
    for k, expected in enumerate(linear_cg_iterates(a, b)):
        opt.step(closure)
        assert torch.allclose(x.detach(), expected, rtol=1e-7, atol=1e-9), k
    assert torch.allclose(x.detach(), torch.linalg.solve(a, b), rtol=1e-7, atol=1e-9)
    assert opt.state[x]["iterations"] == N


def test_beta_formulas():
    g, previous = torch.tensor([1.0, 2.0, -1.0]), torch.tensor([0.5, -1.0, 2.0])
    # |g|^2 = 6, |g_prev|^2 = 5.25, g.(g - g_prev) = 0.5 + 6 + 3 = 9.5
    assert cg_beta("fr", g, previous) == pytest.approx(6.0 / 5.25)
    assert cg_beta("pr+", g, previous) == pytest.approx(9.5 / 5.25)
    # g.(g - g_prev) = 1 * (1 - 2) < 0: PR+ clips it to 0, FR stays positive
    assert cg_beta("pr+", torch.tensor([1.0, 0.0]), torch.tensor([2.0, 0.0])) == 0.0
    assert cg_beta("fr", torch.tensor([1.0, 0.0]), torch.tensor([2.0, 0.0])) == 0.25


@pytest.mark.parametrize("beta", ["fr", "pr+"])
def test_the_optimizer_uses_the_formula_on_a_non_quadratic(beta):
    x = torch.nn.Parameter(torch.tensor([-1.2, 1.0, 0.5], dtype=torch.float64))

    def f() -> torch.Tensor:
        return (x**4).sum() + (x[0] - x[1]) ** 2 + x[2] * x[0]

    opt = NonlinearCG([x], beta=beta)
    closure = closure_of(opt, f)
    seen = []
    for _ in range(4):
        opt.step(closure)
        x_now = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            value = (x_now**4).sum() + (x_now[0] - x_now[1]) ** 2 + x_now[2] * x_now[0]
            seen.append(torch.autograd.grad(value, x_now)[0])
    state = opt.state[x]
    # after step k the state holds g_{k-1}, d_{k-1} and the beta that built d_{k-1}
    assert torch.allclose(state["grad"], seen[-2])
    expected = cg_beta(beta, seen[-2], seen[-3])
    powell = abs(float(seen[-2] @ seen[-3])) >= 0.1 * float(seen[-2] @ seen[-2])
    assert state["beta"] == pytest.approx(0.0 if powell else expected, rel=1e-12)
    assert not powell or beta == "fr"  # at least the PR+ run continues its directions here


def test_restart_every_step_is_steepest_descent():
    a, b = quadratic()
    x = torch.nn.Parameter(torch.zeros(N, dtype=torch.float64))
    opt = NonlinearCG([x], restart_every=1)
    closure = closure_of(opt, lambda: 0.5 * x @ a @ x - b @ x)
    for _ in range(3):
        opt.step(closure)
        state = opt.state[x]
        assert state["beta"] == 0.0
        assert torch.allclose(state["direction"], -state["grad"])


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"beta": "hs"}, "beta"),
        ({"c1": 0.5, "c2": 0.1}, "c1 < c2"),
        ({"c2": 1.0}, "c2"),
        ({"max_iter": 0}, "max_iter"),
        ({"lr": -1.0}, "lr"),
        ({"restart_every": 0}, "restart_every"),
    ],
)
def test_bad_settings_are_config_errors_naming_them(kwargs, name):
    with pytest.raises(ConfigError, match=name):
        NonlinearCG([torch.nn.Parameter(torch.zeros(2))], **kwargs)
