"""The doctor's gradient check: it catches a wrong custom backward and names the tensors, it
passes a correct one, its numbers agree with an analytic gradient, and a ReLU kink inside
the step is set aside rather than reported."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.practice.doctor.common import default_objective
from learnlab.practice.doctor.gradient_check import (
    STEP,
    at_kink,
    check_gradients,
    relative_errors,
    shifted_losses,
)

TABLE = "Gradient check per parameter"


class Square(torch.autograd.Function):
    """x -> x^2 with a backward that is right (2x) or wrong (x), as asked."""

    @staticmethod
    def forward(ctx, x, wrong: bool):
        ctx.save_for_backward(x)
        ctx.wrong = wrong
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x * (1.0 if ctx.wrong else 2.0), None


class SquareNet(nn.Module):
    def __init__(self, wrong: bool) -> None:
        super().__init__()
        self.wrong = wrong
        self.fc1 = nn.Linear(8, 16)
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        return self.out(Square.apply(self.fc1(x), self.wrong))


def _data(n: int = 6):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 8, generator=g), torch.randint(0, 3, (n,), generator=g)


def _rows(result) -> dict[str, dict]:
    return {row["parameter"]: row for row in result.tables[TABLE]}


def test_a_wrong_backward_fails_and_names_the_tensors_upstream_of_it():
    torch.manual_seed(0)
    x, y = _data()
    result = check_gradients(SquareNet(wrong=True), default_objective(y), x, y)
    assert result.status == "fail"
    assert set(result.values["failing_tensors"]) == {"fc1.weight", "fc1.bias"}
    assert "fc1.weight" in result.summary
    rows = _rows(result)
    # d(x^2)/dx is 2x but the backward gives x: autograd is half of the truth
    assert rows["fc1.weight"]["max relative error"] == pytest.approx(0.5, abs=1e-4)
    assert rows["out.weight"]["status"] == "PASS"
    assert result.advice


def test_the_correct_backward_passes():
    torch.manual_seed(0)
    x, y = _data()
    result = check_gradients(SquareNet(wrong=False), default_objective(y), x, y)
    assert result.status == "pass", result.summary
    assert result.values["max_relative_error"] < 1e-5


def test_central_differences_match_the_closed_form_gradient_of_least_squares():
    # loss(w) = mean((X w - t)^2) has gradient (2 / N) X^T (X w - t)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(10, 5, generator=g, dtype=torch.float64)
    t = torch.randn(10, generator=g, dtype=torch.float64)
    w = torch.randn(5, generator=g, dtype=torch.float64)

    def loss() -> float:
        return ((x @ w - t) ** 2).mean().item()

    closed_form = 2 / len(x) * x.T @ (x @ w - t)
    plus, minus = shifted_losses(loss, w, torch.arange(5), STEP)
    torch.testing.assert_close((plus - minus) / (2 * STEP), closed_form, rtol=1e-8, atol=1e-9)
    assert loss() == ((x @ w - t) ** 2).mean().item()  # w put back exactly


def test_a_linear_model_passes_with_tiny_errors():
    g = torch.Generator().manual_seed(1)
    x, t = torch.randn(10, 5, generator=g), torch.randn(10, 1, generator=g)
    result = check_gradients(nn.Linear(5, 1), default_objective(t), x, t, coordinates=100)
    assert result.status == "pass"
    assert 0 < result.values["max_relative_error"] < 1e-6
    assert result.values["coordinates_checked"] == 6


class KinkAtZero(nn.Module):
    """output = relu(w) * x with w within the finite-difference step of the kink."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.tensor([3e-7]))

    def forward(self, x):
        return torch.relu(self.w) * x


def test_a_relu_kink_inside_the_step_is_set_aside_not_reported():
    x = torch.ones(4, 1)
    t = torch.full((4, 1), 2.0)
    result = check_gradients(KinkAtZero(), default_objective(t), x, t)
    row = _rows(result)["w"]
    assert row["kinks"] == 1 and row["mismatched"] == 0
    assert result.status == "pass" and result.values["kinks"] == 1


def test_relative_error_and_kink_rules_elementwise():
    a = torch.tensor([1.0, 1e-9, 1.0, 2.0], dtype=torch.float64)
    n = torch.tensor([1.0 + 1e-6, 3e-9, 0.5, 1.0], dtype=torch.float64)
    errors = relative_errors(a, n, floor=1e-5)
    expected = torch.tensor([1e-6 / (1 + 1e-6), 2e-9 / 1e-5, 0.5, 0.5], dtype=torch.float64)
    torch.testing.assert_close(errors, expected)
    # a matches the backward slope while the forward slope differs: a kink
    forward = torch.tensor([3.0, 1.0], dtype=torch.float64)
    backward = torch.tensor([2.0, 1.0 + 1e-7], dtype=torch.float64)
    analytic = torch.tensor([2.0, 2.0], dtype=torch.float64)
    assert at_kink(analytic, forward, backward).tolist() == [True, False]


def test_the_model_is_left_as_it_was():
    torch.manual_seed(0)
    x, y = _data()
    model = SquareNet(wrong=False).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    check_gradients(model, default_objective(y), x, y)
    assert model.training
    assert all(p.grad is None and p.dtype == torch.float32 for p in model.parameters())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])
