"""Keskar's sharpness against exact oracles: on a convex quadratic the maximum over the box is
at a vertex, found here by enumerating all 2^n vertices; the parameters come back unchanged;
bad input is a ConfigError naming the argument."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.analysis.sharpness import RandomSubspace, keskar_sharpness, model_sharpness
from learnlab.io.errors import ConfigError


def quadratic(hessian: torch.Tensor, linear: torch.Tensor, constant: float):
    """f(v) = 0.5 v^T H v + g^T v + c, float64."""

    def f(v: torch.Tensor) -> torch.Tensor:
        return 0.5 * v @ hessian @ v + linear @ v + constant

    return f


def vertex_maximum(f, x: torch.Tensor, half_widths: torch.Tensor) -> float:
    """The oracle: max f(x + z) over the vertices z of the box |z_i| <= half_widths_i (a convex
    function's maximum over a box is at a vertex)."""
    signs = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=len(x))), dtype=x.dtype)
    return max(float(f(x + s * half_widths)) for s in signs)


def closed_form(f, x, half_widths) -> float:
    fx = float(f(x))
    return 100.0 * (vertex_maximum(f, x, half_widths) - fx) / (1.0 + fx)


def at(x: torch.Tensor) -> torch.Tensor:
    return x.clone().requires_grad_(True)


@pytest.mark.parametrize("eps", [1e-3, 5e-4, 0.05])
def test_at_a_minimum_of_a_diagonal_quadratic_it_is_half_the_curvature_times_the_box(eps):
    # f(x + z) - f(x) = 0.5 sum_i h_i z_i^2 at the minimum x: every vertex gives the maximum
    generator = torch.Generator().manual_seed(0)
    h = torch.rand(7, generator=generator, dtype=torch.float64) * 3 + 0.5
    x = torch.randn(7, generator=generator, dtype=torch.float64)
    f = quadratic(torch.diag(h), -h * x, 2.0)
    fx = float(f(x))
    b = eps * (x.abs() + 1)
    expected = 100 * 0.5 * float((h * b * b).sum()) / (1 + fx)
    p = at(x)
    result = keskar_sharpness(lambda: f(p), [p], eps=eps)
    assert result.sharpness == pytest.approx(expected, rel=1e-9)
    assert result.sharpness == pytest.approx(closed_form(f, x, b), rel=1e-9)
    assert result.loss == pytest.approx(fx) and result.parameters == 7
    assert result.subspace is None and result.eps == eps


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_dense_quadratic_sloping_across_the_box_reaches_the_best_vertex(seed):
    # a positive definite H and a slope large enough that the gradient keeps its signs over
    # the whole box: the maximum is the one vertex the gradient points to
    generator = torch.Generator().manual_seed(seed)
    m = torch.randn(6, 6, generator=generator, dtype=torch.float64)
    hessian = m @ m.T / 6 + torch.eye(6, dtype=torch.float64)
    linear = torch.randn(6, generator=generator, dtype=torch.float64).sign() * 20
    x = torch.randn(6, generator=generator, dtype=torch.float64)
    f = quadratic(hessian, linear, 500.0)
    eps = 0.05
    p = at(x)
    result = keskar_sharpness(lambda: f(p), [p], eps=eps, seed=seed)
    assert result.sharpness == pytest.approx(closed_form(f, x, eps * (x.abs() + 1)), rel=1e-9)
    assert result.sharpness > 0


def test_the_subspace_box_is_scaled_by_the_pseudo_inverse():
    # in a subspace the search is over y: f(x + A y) with |y_i| <= eps (|(A^+ x)_i| + 1); a
    # steep slope keeps the gradient's signs over the box, so one vertex is the maximum
    generator = torch.Generator().manual_seed(3)
    n, p_dim, eps, seed = 9, 3, 0.05, 11
    h = torch.rand(n, generator=generator, dtype=torch.float64) + 0.5
    x = torch.randn(n, generator=generator, dtype=torch.float64)
    f = quadratic(torch.diag(h), torch.linspace(-30, 30, n, dtype=torch.float64), 100.0)
    a = torch.cat([block for _, block in RandomSubspace(n, p_dim, seed, torch.float64).blocks()])
    half_widths = eps * ((torch.linalg.pinv(a) @ x).abs() + 1)
    origin = torch.zeros(p_dim, dtype=torch.float64)
    highest = vertex_maximum(lambda y: f(x + a @ y), origin, half_widths)
    expected = 100 * (highest - float(f(x))) / (1 + float(f(x)))
    p = at(x)
    result = keskar_sharpness(lambda: f(p), [p], eps=eps, subspace=p_dim, seed=seed)
    assert result.sharpness == pytest.approx(expected, rel=1e-9)
    assert result.subspace == p_dim and expected > 0


def test_the_random_subspace_applied_block_by_block_is_one_matrix():
    small = RandomSubspace(50, 4, 5, torch.float64)
    small.rows = 7  # several blocks: each pass draws the same ones
    whole = torch.cat([block for _, block in small.blocks()])
    assert whole.shape == (50, 4)
    y, v = torch.randn(4, dtype=torch.float64), torch.randn(50, dtype=torch.float64)
    torch.testing.assert_close(small.times(y), whole @ y)
    torch.testing.assert_close(small.transpose_times(v), whole.T @ v)
    torch.testing.assert_close(small.pseudo_inverse_times(v), torch.linalg.pinv(whole) @ v)


def test_more_iterations_never_give_less_and_the_bound_is_below_the_true_maximum():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    batch = (torch.randn(40, 5, dtype=torch.float64), torch.randint(0, 3, (40,)))

    def objective(m, b):
        return F.cross_entropy(m(b[0]), b[1]), {}

    few = model_sharpness(model, objective, batch, eps=0.05, iterations=1)
    many = model_sharpness(model, objective, batch, eps=0.05, iterations=20)
    assert 0 < few.sharpness <= many.sharpness
    assert many.evaluations > few.evaluations and many.iterations <= 20


def test_the_parameters_come_back_bit_for_bit_and_their_gradients_untouched():
    torch.manual_seed(1)
    weights = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(3, dtype=torch.float64, requires_grad=True)
    bias.grad = torch.full_like(bias, 5.0)
    before = (weights.detach().clone(), bias.detach().clone())
    inputs = torch.randn(10, 4, dtype=torch.float64)

    def loss():
        return (torch.tanh(inputs @ weights + bias) ** 2).mean()

    for subspace in (None, 5):
        keskar_sharpness(loss, [weights, bias], eps=0.1, subspace=subspace)
        assert torch.equal(weights.detach(), before[0]) and torch.equal(bias.detach(), before[1])
    assert weights.grad is None and torch.equal(bias.grad, torch.full_like(bias, 5.0))


def test_the_parameters_are_restored_when_the_closure_fails_midway():
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("closure failed")
        return (x**2).sum()

    with pytest.raises(RuntimeError, match="closure failed"):
        keskar_sharpness(flaky, [x], eps=0.1)
    assert torch.equal(x.detach(), torch.ones(3, dtype=torch.float64))


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"eps": -1e-3}, "eps"),
        ({"eps": float("nan")}, "eps"),
        ({"iterations": 0}, "iterations"),
        ({"subspace": 0}, "subspace"),
        ({"subspace": 4}, "subspace"),  # more than the 3 parameters
    ],
)
def test_bad_settings_are_config_errors_naming_the_argument(kwargs, named):
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ConfigError, match=named):
        keskar_sharpness(lambda: (x**2).sum(), [x], **kwargs)


def test_bad_closures_and_params_are_config_errors():
    x = torch.ones(3, dtype=torch.float64, requires_grad=True)
    other = torch.ones(2, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ConfigError, match="closure.*scalar"):
        keskar_sharpness(lambda: x**2, [x])
    with pytest.raises(ConfigError, match="closure.*require grad"):
        keskar_sharpness(lambda: (x**2).sum().detach(), [x])
    with pytest.raises(ConfigError, match="closure.*scalar"):
        keskar_sharpness(lambda: 1.0, [x])
    with pytest.raises(ConfigError, match="closure.*depend"):
        keskar_sharpness(lambda: (other**2).sum(), [x])
    with pytest.raises(ConfigError, match="params"):
        keskar_sharpness(lambda: (x**2).sum(), [])
    with pytest.raises(ConfigError, match=r"params\[0\]"):
        keskar_sharpness(lambda: (x**2).sum(), [x.detach()])
    with pytest.raises(ConfigError, match="model"):
        model_sharpness(nn.ReLU(), lambda m, b: (m(b).sum(), {}), torch.ones(2))


# -- batch norm: running statistics or the batch's ----------------------------------------------


def normalised_net() -> nn.Sequential:
    """Linear -> BatchNorm1d -> ReLU -> Linear in float64, with running statistics far from any
    batch's (as after training on other data)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()
    model[1].running_mean.fill_(0.7)
    model[1].running_var.fill_(2.5)
    model[1].num_batches_tracked.fill_(11)
    return model.train()  # it comes in train mode: the analysis must not leave it in eval


def functional_loss(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, training: bool):
    """The oracle: the same network written out with F.batch_norm, no module modes involved."""
    norm = model[1]
    h = F.batch_norm(
        model[0](x),
        None if training else norm.running_mean.clone(),
        None if training else norm.running_var.clone(),
        norm.weight,
        norm.bias,
        training=training,
        eps=norm.eps,
    )
    return F.cross_entropy(model[3](F.relu(h)), y)


@pytest.mark.parametrize("mode", ["running", "batch"])
def test_batch_norm_by_running_or_batch_statistics_matches_the_written_out_network(mode):
    model = normalised_net()
    generator = torch.Generator().manual_seed(1)
    x = torch.randn(16, 3, generator=generator, dtype=torch.float64)
    y = torch.randint(0, 2, (16,), generator=generator)
    before = {k: v.clone() for k, v in model.state_dict().items()}

    def objective(m, batch):
        return F.cross_entropy(m(batch[0]), batch[1]), {}

    found = model_sharpness(model, objective, (x, y), eps=0.05, batch_norm=mode)
    params = list(model.parameters())
    oracle = keskar_sharpness(
        lambda: functional_loss(model, x, y, training=mode == "batch"), params, eps=0.05
    )
    assert found.loss == pytest.approx(oracle.loss, rel=1e-12)
    assert found.sharpness == pytest.approx(oracle.sharpness, rel=1e-9)
    # the running buffers and the modes come back bit for bit, though "batch" updated them
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(m.training for m in model.modules())


def test_the_two_batch_norm_modes_give_different_losses_and_a_bad_mode_is_refused():
    model = normalised_net()
    x = torch.randn(16, 3, dtype=torch.float64)
    y = torch.randint(0, 2, (16,))

    def objective(m, batch):
        return F.cross_entropy(m(batch[0]), batch[1]), {}

    running = model_sharpness(model, objective, (x, y), eps=0.05, batch_norm="running")
    batch = model_sharpness(model, objective, (x, y), eps=0.05, batch_norm="batch")
    assert running.loss != pytest.approx(batch.loss)
    with pytest.raises(ConfigError, match="batch_norm"):
        model_sharpness(model, objective, (x, y), batch_norm="train")


def test_a_search_started_at_x_follows_the_gradient_and_at_an_exact_minimum_stays():
    generator = torch.Generator().manual_seed(3)
    h = torch.rand(6, generator=generator, dtype=torch.float64) + 0.5
    x = torch.randn(6, generator=generator, dtype=torch.float64)
    b = 0.05 * (x.abs() + 1)
    # away from the minimum (gradient h * x - g != 0): the vertex oracle from x as from a
    # random point
    sloped = quadratic(torch.diag(h), 3 * h, 1.0)
    p = at(x)
    centre = keskar_sharpness(lambda: sloped(p), [p], eps=0.05, start="centre")
    assert centre.sharpness == pytest.approx(closed_form(sloped, x, b), rel=1e-9)
    # at an exact minimum the gradient is zero: from x the search never moves
    minimum = quadratic(torch.diag(h), -h * x, 10.0)
    assert keskar_sharpness(lambda: minimum(p), [p], eps=0.05, start="centre").sharpness == 0
    assert keskar_sharpness(lambda: minimum(p), [p], eps=0.05).sharpness > 0
    with pytest.raises(ConfigError, match="start"):
        keskar_sharpness(lambda: minimum(p), [p], start="middle")
