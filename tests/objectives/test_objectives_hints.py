"""The FitNets hint loss: its value and gradients against the formula on tiny float64
tensors, the regressors it builds (linear, convolutional), layers picked by name, and the
forward pass stopping at the chosen layer."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.hints import HintLoss, hint_regression_loss, layer_output


def _pair():
    torch.manual_seed(0)
    teacher = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    student = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 2), nn.Linear(2, 2)).double()
    return teacher, student


def test_the_hint_loss_and_its_gradients_match_the_formula_in_float64():
    teacher, student = _pair()
    x = torch.randn(5, 3, dtype=torch.float64)
    hint = HintLoss(teacher, student, teacher_layer="1", student_layer="1", example=x)
    loss, metrics = hint(student, (x, torch.zeros(5)))
    # by hand: u = tanh(W_t x + b_t), v = tanh(W_s x + b_s), r(v) = A v + c
    u = torch.tanh(x @ teacher[0].weight.T + teacher[0].bias)
    v = torch.tanh(x @ student[0].weight.T + student[0].bias)
    a, c = hint.regressor.weight, hint.regressor.bias
    residual = u - (v @ a.T + c)
    expected = 0.5 * residual.pow(2).sum(1).mean()
    assert metrics == {} and torch.allclose(loss, expected, rtol=0, atol=1e-14)
    loss.backward()
    # dL/dA = -(1/n) sum_i residual_i v_i^T ; dL/dc = -(1/n) sum_i residual_i
    n = x.shape[0]
    assert torch.allclose(a.grad, -(residual.T @ v).detach() / n, atol=1e-14)
    assert torch.allclose(c.grad, -residual.sum(0).detach() / n, atol=1e-14)
    # through the student: dL/dW_s = -(1/n) sum_i ((A^T residual_i) * (1 - v_i^2)) x_i^T
    delta = (residual @ a) * (1 - v.pow(2))
    assert torch.allclose(student[0].weight.grad, -(delta.T @ x).detach() / n, atol=1e-13)
    # the teacher is only read, and the student's layers above the guided one are untouched
    assert all(p.grad is None for p in teacher.parameters())
    assert student[2].weight.grad is None and student[3].weight.grad is None


def test_hint_regression_loss_is_half_the_squared_norm_per_example():
    hint = torch.tensor([[1.0, 2.0], [0.0, 0.0]], dtype=torch.float64)
    prediction = torch.tensor([[0.0, 0.0], [3.0, 0.0]], dtype=torch.float64)
    assert hint_regression_loss(hint, prediction).item() == pytest.approx((2.5 + 4.5) / 2)
    with pytest.raises(ValueError, match="does not match"):
        hint_regression_loss(hint, prediction[:, :1])


def test_feature_maps_get_a_convolutional_regressor_that_matches_the_hint():
    teacher = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU())  # 8x8 -> 6 maps of 4x4
    student = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU())  # 8x8 -> 2 maps of 6x6
    hint = HintLoss(
        teacher, student, teacher_layer="1", student_layer="1", example=torch.zeros(2, 1, 8, 8)
    )
    assert isinstance(hint.regressor, nn.Conv2d)
    assert hint.regressor.kernel_size == (3, 3) and hint.regressor.out_channels == 6
    loss, _ = hint(student, (torch.randn(4, 1, 8, 8),))
    assert loss.ndim == 0 and hint.extra_modules() == [hint.regressor]


def test_maps_smaller_than_the_hint_are_refused():
    teacher = nn.Sequential(nn.Conv2d(1, 2, 1))
    student = nn.Sequential(nn.Conv2d(1, 2, 5))
    with pytest.raises(ConfigError, match="smaller than the hint"):
        HintLoss(
            teacher, student, teacher_layer="0", student_layer="0", example=torch.zeros(1, 1, 8, 8)
        )


def test_an_unknown_layer_name_is_a_config_error_listing_the_layers():
    teacher, student = _pair()
    with pytest.raises(ConfigError, match=r"student_layer='fc9'.*0, 1, 2, 3"):
        HintLoss(
            teacher,
            student,
            teacher_layer="1",
            student_layer="fc9",
            example=torch.zeros(1, 3, dtype=torch.float64),
        )
    with pytest.raises(ConfigError, match="teacher_layer='x'"):
        HintLoss(
            teacher,
            student,
            teacher_layer="x",
            student_layer="1",
            example=torch.zeros(1, 3, dtype=torch.float64),
        )


def test_the_forward_pass_stops_at_the_chosen_layer():
    calls = []
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2))
    model[2].register_forward_hook(lambda *args: calls.append("above"))
    out = layer_output(model, model[1], torch.zeros(3, 2))
    assert out.shape == (3, 2) and calls == []
    model(torch.zeros(3, 2))  # the hook is removed: a full forward pass runs again
    assert calls == ["above"]
