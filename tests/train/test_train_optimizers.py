"""Oracle tests for learnlab.train.optimizers.

Each optimizer runs a few steps on small float64 problems; the test re-implements the
textbook update (the lecture's notation) in numpy and asserts agreement to ~1e-12.
L-BFGS is checked against closed-form / scipy minimisers.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize
import torch

from learnlab.io.errors import ConfigError
from learnlab.train.optimizers import (
    OPTIMIZER_NAMES,
    build_optimizer,
    needs_closure,
    optimizer_description,
)

STEPS = 25


# --- problems: float64 parameters and an explicit (not autograd) gradient for the oracle ----


def _quadratic(seed: int = 0, dim: int = 6):
    """0.5 x^T A x - b^T x with A SPD; gradient A x - b."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(dim, dim))
    a = q @ q.T / dim + 0.5 * np.eye(dim)
    b = rng.normal(size=dim)
    x0 = [rng.normal(size=dim)]

    a_t, b_t = torch.from_numpy(a), torch.from_numpy(b)

    def loss(params):  # torch, for the package's optimizer
        (x,) = params
        return 0.5 * x @ a_t @ x - b_t @ x

    def grad(params):
        (x,) = params
        return [a @ x - b]

    return x0, loss, grad, a, b


def _least_squares(seed: int = 1, n: int = 16, d_in: int = 4, d_out: int = 3):
    """0.5/n ||X W^T + c - Y||^2 over a matrix W and a vector c; gradient R^T X / n, mean R."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d_in))
    y = rng.normal(size=(n, d_out))
    p0 = [rng.normal(size=(d_out, d_in)), rng.normal(size=d_out)]

    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y)

    def loss(params):  # torch, for the package's optimizer
        w, c = params
        r = x_t @ w.T + c - y_t
        return 0.5 * (r * r).sum() / n

    def grad(params):
        w, c = params
        r = x @ w.T + c - y
        return [r.T @ x / n, r.sum(0) / n]

    return p0, loss, grad


PROBLEMS = {"quadratic": _quadratic()[:3], "least_squares": _least_squares()}


# --- textbook updates (float64 numpy); each returns the point torch's parameters should be at -


def _oracle(name, p0, grad, lr, wd, momentum, options, steps):
    """Run the lecture's update `steps` times; weight decay wd is the L2 term wd * theta."""
    theta = [p.copy() for p in p0]

    def g_l2(params):  # gradient of J + wd/2 ||theta||^2
        return [g + wd * p for g, p in zip(grad(params), params, strict=True)]

    if name == "sgd":
        for _ in range(steps):
            theta = [p - lr * g for p, g in zip(theta, g_l2(theta), strict=True)]
        return theta
    if name == "momentum":  # v <- alpha v - eps g; theta <- theta + v
        v = [np.zeros_like(p) for p in theta]
        for _ in range(steps):
            v = [momentum * vi - lr * g for vi, g in zip(v, g_l2(theta), strict=True)]
            theta = [p + vi for p, vi in zip(theta, v, strict=True)]
        return theta
    if name == "nesterov":
        # Lecture: v <- alpha v - eps g(theta + alpha v); theta <- theta + v.
        # torch stores phi = theta + alpha v instead of theta. With the lecture's sequence,
        #   phi_{k+1} = theta_k + (1 + alpha) v_{k+1} = phi_k - alpha v_k + (1 + alpha) v_{k+1}
        #             = phi_k - eps g(phi_k) + alpha v_{k+1}  (v_{k+1} - alpha v_k = -eps g(phi_k))
        # torch: buf <- alpha buf + g(p); p <- p - eps (g(p) + alpha buf). Writing v = -eps buf
        # gives v_{k+1} = alpha v_k - eps g(p_k) and p_{k+1} = p_k - eps g(p_k) + alpha v_{k+1}:
        # the same recursion from p_0 = phi_0 = theta_0 (v_0 = 0), so p_k = theta_k + alpha v_k.
        v = [np.zeros_like(p) for p in theta]
        for _ in range(steps):
            look = [p + momentum * vi for p, vi in zip(theta, v, strict=True)]
            v = [momentum * vi - lr * g for vi, g in zip(v, g_l2(look), strict=True)]
            theta = [p + vi for p, vi in zip(theta, v, strict=True)]
        return [p + momentum * vi for p, vi in zip(theta, v, strict=True)]
    if name == "adagrad":  # Duchi et al. 2011: r <- r + g^2; theta -= eps g / (sqrt(r) + delta)
        delta = options.get("eps", 1e-10)
        r = [np.full_like(p, options.get("initial_accumulator_value", 0.0)) for p in theta]
        for _ in range(steps):
            gs = g_l2(theta)
            r = [ri + g * g for ri, g in zip(r, gs, strict=True)]
            theta = [
                p - lr * g / (np.sqrt(ri) + delta) for p, g, ri in zip(theta, gs, r, strict=True)
            ]
        return theta
    if name == "rmsprop":  # Hinton 2012: r <- rho r + (1 - rho) g^2 (torch: delta outside sqrt)
        rho, delta = options.get("alpha", 0.99), options.get("eps", 1e-8)
        mom = options.get("momentum", 0.0)
        r = [np.zeros_like(p) for p in theta]
        buf = [np.zeros_like(p) for p in theta]
        for _ in range(steps):
            gs = g_l2(theta)
            r = [rho * ri + (1 - rho) * g * g for ri, g in zip(r, gs, strict=True)]
            step = [g / (np.sqrt(ri) + delta) for g, ri in zip(gs, r, strict=True)]
            buf = [mom * b + s for b, s in zip(buf, step, strict=True)]  # mom=0: buf = step
            theta = [p - lr * b for p, b in zip(theta, buf, strict=True)]
        return theta
    if name in ("adam", "adamw"):  # Kingma & Ba 2015, Algorithm 1; AdamW: Loshchilov & Hutter
        b1, b2 = options.get("betas", (0.9, 0.999))
        delta = options.get("eps", 1e-8)
        m = [np.zeros_like(p) for p in theta]
        s = [np.zeros_like(p) for p in theta]
        for t in range(1, steps + 1):
            if name == "adamw":
                gs = grad(theta)
                theta = [p * (1 - lr * wd) for p in theta]  # decoupled decay, before the step
            else:
                gs = g_l2(theta)
            m = [b1 * mi + (1 - b1) * g for mi, g in zip(m, gs, strict=True)]
            s = [b2 * si + (1 - b2) * g * g for si, g in zip(s, gs, strict=True)]
            theta = [
                p - lr * (mi / (1 - b1**t)) / (np.sqrt(si / (1 - b2**t)) + delta)
                for p, mi, si in zip(theta, m, s, strict=True)
            ]
        return theta
    raise AssertionError(name)


def _run_package(name, p0, loss, lr, wd, momentum, options, steps):
    params = [torch.nn.Parameter(torch.tensor(p, dtype=torch.float64)) for p in p0]
    opt = build_optimizer(name, params, lr=lr, weight_decay=wd, momentum=momentum, options=options)
    assert not needs_closure(opt)
    for _ in range(steps):
        opt.zero_grad()
        loss(params).backward()
        opt.step()
    return [p.detach().numpy() for p in params]


CASES = [
    ("sgd", 0.1, 0.0, 0.9, {}),
    ("sgd", 0.1, 0.05, 0.9, {}),
    ("momentum", 0.05, 0.0, 0.9, {}),
    ("momentum", 0.05, 0.01, 0.5, {}),
    ("nesterov", 0.05, 0.0, 0.9, {}),
    ("nesterov", 0.05, 0.02, 0.99, {}),
    ("adagrad", 0.3, 0.0, 0.9, {}),
    ("adagrad", 0.3, 0.01, 0.9, {"eps": 1e-6, "initial_accumulator_value": 0.1}),
    ("rmsprop", 0.01, 0.0, 0.9, {}),
    ("rmsprop", 0.01, 0.01, 0.9, {"alpha": 0.9, "eps": 1e-6}),
    ("rmsprop", 0.01, 0.0, 0.9, {"momentum": 0.5}),
    ("adam", 0.05, 0.0, 0.9, {}),
    ("adam", 0.05, 0.01, 0.9, {"betas": [0.8, 0.99], "eps": 1e-6}),
    ("adamw", 0.05, 0.0, 0.9, {}),
    ("adamw", 0.05, 0.1, 0.9, {"betas": (0.85, 0.995)}),
]


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize(("name", "lr", "wd", "momentum", "options"), CASES)
def test_update_rule_matches_textbook(problem, name, lr, wd, momentum, options):
    p0, loss, grad = PROBLEMS[problem]
    got = _run_package(name, p0, loss, lr, wd, momentum, options, STEPS)
    want = _oracle(name, p0, grad, lr, wd, momentum, options, STEPS)
    moved = max(np.abs(w - p).max() for w, p in zip(want, p0, strict=True))
    assert moved > 1e-2, "the problem should move the parameters, or the test proves nothing"
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def test_oracles_tell_optimizers_apart():
    """The oracles are sharp: momentum differs from sgd, adam from adamw, by far more than 1e-12."""
    p0, loss, grad = PROBLEMS["quadratic"]
    sgd = _oracle("sgd", p0, grad, 0.05, 0.0, 0.9, {}, STEPS)[0]
    mom = _run_package("momentum", p0, loss, 0.05, 0.0, 0.9, {}, STEPS)[0]
    nes = _run_package("nesterov", p0, loss, 0.05, 0.0, 0.9, {}, STEPS)[0]
    assert np.abs(sgd - mom).max() > 1e-3 and np.abs(mom - nes).max() > 1e-3
    adam = _oracle("adam", p0, grad, 0.05, 0.1, 0.9, {}, STEPS)[0]
    adamw = _run_package("adamw", p0, loss, 0.05, 0.1, 0.9, {}, STEPS)[0]
    assert np.abs(adam - adamw).max() > 1e-3


def test_weight_decay_goes_to_torch_as_declared():
    w = torch.nn.Parameter(torch.zeros(2))
    assert build_optimizer("adam", [w], lr=1e-3, weight_decay=0.1).param_groups[0][
        "weight_decay"
    ] == pytest.approx(0.1)
    # torch.optim.AdamW defaults to weight_decay=0.01; ours defaults to none at all.
    assert build_optimizer("adamw", [w], lr=1e-3).param_groups[0]["weight_decay"] == 0.0
    assert build_optimizer("sgd", [w], lr=1e-3, momentum=0.5).param_groups[0]["momentum"] == 0.0
    assert build_optimizer("rmsprop", [w], lr=1e-3).param_groups[0]["momentum"] == 0.0


# --- L-BFGS --------------------------------------------------------------------------------


def _lbfgs_minimise(fn, x0, **options):
    x = torch.nn.Parameter(torch.tensor(x0, dtype=torch.float64))
    opts = {
        "line_search_fn": "strong_wolfe",
        "max_iter": 200,
        "history_size": 10,
        "tolerance_grad": 1e-12,
        "tolerance_change": 1e-16,
        **options,
    }
    opt = build_optimizer("lbfgs", [x], lr=1.0, options=opts)
    assert needs_closure(opt)

    def closure():
        opt.zero_grad()
        loss = fn(x)
        loss.backward()
        return loss

    for _ in range(5):
        opt.step(closure)
    return x.detach().numpy()


def test_lbfgs_quadratic_reaches_closed_form():
    x0, loss, _, a, b = _quadratic(seed=3, dim=10)
    got = _lbfgs_minimise(lambda x: loss([x]), x0[0])
    np.testing.assert_allclose(got, np.linalg.solve(a, b), atol=1e-6)
    assert np.abs(x0[0] - np.linalg.solve(a, b)).max() > 0.1


def _rosenbrock(x):
    return (100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2).sum()


def test_lbfgs_rosenbrock_matches_scipy():
    x0 = np.array([-1.2, 1.0, -0.5, 0.8])
    want = scipy.optimize.minimize(
        scipy.optimize.rosen,
        x0,
        jac=scipy.optimize.rosen_der,
        method="L-BFGS-B",
        options={"gtol": 1e-12, "ftol": 1e-15, "maxiter": 2000},
    ).x
    got = _lbfgs_minimise(_rosenbrock, x0)
    np.testing.assert_allclose(got, want, atol=1e-6)
    np.testing.assert_allclose(got, np.ones(4), atol=1e-6)


def test_lbfgs_without_line_search_and_history_option():
    x0, fn, _, a, b = _quadratic(seed=4, dim=5)
    x = torch.nn.Parameter(torch.tensor(x0[0]))
    opt = build_optimizer("lbfgs", [x], lr=0.5, options={"history_size": 3, "max_iter": 50})
    assert opt.param_groups[0]["history_size"] == 3 and opt.param_groups[0]["lr"] == 0.5
    start = np.abs(x0[0] - np.linalg.solve(a, b)).max()

    def closure():
        opt.zero_grad()
        value = fn([x])
        value.backward()
        return value

    opt.step(closure)
    assert np.abs(x.detach().numpy() - np.linalg.solve(a, b)).max() < 0.1 * start


# --- bad input ------------------------------------------------------------------------------


def _param():
    return [torch.nn.Parameter(torch.zeros(3))]


def test_unknown_name_lists_names():
    with pytest.raises(ConfigError, match="unknown optimizer 'adamax'.*sgd.*lbfgs"):
        build_optimizer("adamax", _param(), lr=0.1)
    with pytest.raises(ConfigError, match="choose one of"):
        optimizer_description("nope")


def test_unknown_option_names_key_and_allowed():
    with pytest.raises(ConfigError, match="'betas'.*'sgd'.*allowed options: none"):
        build_optimizer("sgd", _param(), lr=0.1, options={"betas": (0.9, 0.9)})
    with pytest.raises(ConfigError, match="'alpha'.*'adam'.*betas, eps, amsgrad"):
        build_optimizer("adam", _param(), lr=0.1, options={"alpha": 0.9})
    with pytest.raises(ConfigError, match="'lr'"):
        build_optimizer("adam", _param(), lr=0.1, options={"lr": 0.9})


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"lr": 0.0}, "lr must be"),
        ({"lr": -1.0}, "lr must be"),
        ({"lr": float("nan")}, "lr must be"),
        ({"lr": 0.1, "weight_decay": -0.1}, "weight_decay must be"),
        ({"lr": 0.1, "momentum": 1.0}, r"momentum must be in \[0, 1\)"),
        ({"lr": 0.1, "momentum": -0.1}, r"momentum must be in \[0, 1\)"),
    ],
)
def test_bad_values(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        build_optimizer("momentum", _param(), **kwargs)


def test_bad_option_values_become_config_errors():
    with pytest.raises(ConfigError, match="adam"):
        build_optimizer("adam", _param(), lr=0.1, options={"betas": (1.5, 0.9)})
    with pytest.raises(ConfigError, match="betas"):
        build_optimizer("adam", _param(), lr=0.1, options={"betas": 0.9})
    with pytest.raises(ConfigError, match="rmsprop"):
        build_optimizer("rmsprop", _param(), lr=0.1, options={"eps": -1.0})
    with pytest.raises(ConfigError, match="strong_wolfe"):
        build_optimizer("lbfgs", _param(), lr=1.0, options={"line_search_fn": "armijo"})
    with pytest.raises(ConfigError, match="nesterov"):
        build_optimizer("nesterov", _param(), lr=0.1, momentum=0.0)


def test_lbfgs_refuses_weight_decay():
    with pytest.raises(ConfigError, match="lbfgs.*L2 term"):
        build_optimizer("lbfgs", _param(), lr=1.0, weight_decay=1e-4)


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_builds_steps_and_describes(name):
    model = torch.nn.Linear(3, 2)
    opt = build_optimizer(name, model.parameters(), lr=0.01)
    x, y = torch.randn(8, 3, generator=torch.Generator().manual_seed(0)), torch.zeros(8, 2)

    def closure(create_graph=False):  # learnlab.optim's contract; torch's L-BFGS passes nothing
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward(create_graph=create_graph)
        return loss

    before = [p.detach().clone() for p in model.parameters()]
    if needs_closure(opt):
        opt.step(closure)
    else:
        closure()
        opt.step()
    assert any(not torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
    line = optimizer_description(name)
    assert line and "\n" not in line


@pytest.mark.parametrize(
    ("name", "kernel"),
    [
        ("sgd", "fused"),
        ("nesterov", "fused"),
        ("adam", "fused"),
        ("adamw", "fused"),
        ("adagrad", "fused"),
        ("rmsprop", "foreach"),
    ],
)
def test_fastest_kernel_is_chosen(name, kernel):
    model = torch.nn.Linear(3, 2)
    group = build_optimizer(name, model.parameters(), lr=0.01).param_groups[0]
    assert group[kernel] is True
    other = "foreach" if kernel == "fused" else "fused"
    assert not group.get(other)


def test_parameter_groups_given_as_generators_are_read_once_and_kept():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    groups = (
        {"params": model[0].parameters(), "lr": 0.1},
        {"params": (p for p in model[1].parameters())},
    )
    opt = build_optimizer("adam", groups, lr=0.01)
    assert [len(g["params"]) for g in opt.param_groups] == [2, 2]
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[0]["fused"] is True
