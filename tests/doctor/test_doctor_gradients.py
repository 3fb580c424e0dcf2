"""The doctor's gradient check: it catches a wrong custom backward and names the tensors, it
passes a correct one, its numbers agree with an analytic gradient, and a ReLU kink inside
the step is set aside rather than reported."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.doctor.common import default_objective
from learnlab.doctor.gradient_check import (
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


class Scale(torch.autograd.Function):
    """(logits, scale) -> logits * scale; the backward to `scale` is multiplied by the given
    factors (one per coordinate of `scale`): all ones is the correct backward."""

    @staticmethod
    def forward(ctx, logits, scale, factors):
        ctx.save_for_backward(logits, scale, factors)
        return logits * scale

    @staticmethod
    def backward(ctx, grad):
        logits, scale, factors = ctx.saved_tensors
        to_scale = (grad * logits).reshape(-1, len(scale)).sum(0) * factors
        return grad * scale, to_scale, None


class ScaledLogits(nn.Module):
    """A linear classifier whose logits are multiplied by a learnable `scale` (a scalar
    temperature, or one factor per pair of output columns) through `Scale`."""

    def __init__(self, factors: list[float], scalar: bool = False) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 4)
        self.scale = nn.Parameter(torch.tensor(1.5) if scalar else torch.full((2,), 1.5))
        self.register_buffer("factors", torch.tensor(factors))

    def forward(self, x):
        scale = self.scale.reshape(-1)
        logits = self.fc(x)
        if len(scale) == 2:  # column j uses scale[j % 2]
            logits = logits.reshape(len(x), 2, 2).transpose(1, 2)
        out = Scale.apply(logits, scale, self.factors.to(logits.dtype))
        return out.transpose(1, 2).reshape(len(x), 4) if len(scale) == 2 else out


def _four_classes(n: int = 6):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 8, generator=g), torch.randint(0, 4, (n,), generator=g)


def test_a_wrong_backward_of_a_scalar_parameter_fails():
    torch.manual_seed(0)
    x, y = _four_classes()
    result = check_gradients(ScaledLogits([2.0], scalar=True), default_objective(y), x, y)
    row = _rows(result)["scale"]
    assert (row["shape"], row["checked"], row["mismatched"], row["kinks"]) == ("scalar", 1, 1, 0)
    # the backward is twice the truth: |2n - n| / |2n| = 0.5
    assert row["max relative error"] == pytest.approx(0.5, abs=1e-4)
    assert row["status"] == "FAIL"
    assert result.status == "fail" and result.values["failing_tensors"] == ["scale"]
    assert "kink" not in result.summary


def test_one_wrong_coordinate_of_a_two_element_parameter_fails():
    torch.manual_seed(0)
    x, y = _four_classes()
    result = check_gradients(ScaledLogits([1.0, 3.0]), default_objective(y), x, y)
    row = _rows(result)["scale"]
    assert (row["checked"], row["mismatched"], row["status"]) == (2, 1, "FAIL")
    assert result.status == "fail" and result.values["failing_tensors"] == ["scale"]
    # the same model with the correct backward passes
    healthy = check_gradients(ScaledLogits([1.0, 1.0]), default_objective(y), x, y)
    assert healthy.status == "pass", healthy.summary


def test_an_isolated_mismatch_without_kinks_is_not_blamed_on_kinks():
    from learnlab.doctor.gradient_check import _result

    row = {"parameter": "w", "checked": 24, "max relative error": 0.5, "kinks": 0}
    warned = _result([row], ["warn"], [], 4)
    assert warned.status == "warn" and "no kink was detected" in warned.summary
    assert "ReLU" not in warned.summary
    with_kinks = _result([{**row, "kinks": 2}], ["warn"], [], 4)
    assert "kinks of ReLU or max pooling the one-sided slopes missed" in with_kinks.summary
