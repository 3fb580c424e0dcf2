"""The doctor's training checks: overfitting a tiny batch (and saying why it fails), and the
learning-rate range test that flags a rate where the loss explodes."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.config import TrainConfig
from learnlab.pipeline import build_model_for, prepare_data
from learnlab.practice.doctor.common import default_objective
from learnlab.practice.doctor.lr_range import check_lr_range, exploding, suggest
from learnlab.practice.doctor.overfit import check_overfit, conflicting_labels

CONFIG = TrainConfig(dataset="digits", model="mlp", model_options={"width": 64})


@pytest.fixture(scope="module")
def digits():
    data = prepare_data(CONFIG)
    return data.train, data.dataset


def _model(dataset) -> nn.Module:
    torch.manual_seed(0)
    return build_model_for(CONFIG, dataset)


def test_a_healthy_mlp_memorises_32_examples(digits):
    train, dataset = digits
    x, y = train.x[:32], train.y[:32]
    result = check_overfit(_model(dataset), default_objective(y), x, y)
    assert result.status == "pass", result.summary
    assert result.values["final_accuracy"] == 1.0
    assert result.values["fitted_at_step"] <= 200


def test_a_network_of_dead_relus_is_stuck(digits):
    train, dataset = digits
    model = _model(dataset)
    with torch.no_grad():
        model.fc1.bias.fill_(-100.0)
    x, y = train.x[:32], train.y[:32]
    result = check_overfit(model, default_objective(y), x, y, max_steps=60)
    assert result.status == "fail"
    assert result.summary.startswith("stuck")


def test_conflicting_labels_make_100_percent_impossible(digits):
    train, dataset = digits
    x = torch.cat([train.x[:16], train.x[:16]])
    y = torch.cat([train.y[:16], (train.y[:16] + 1) % 10])
    assert conflicting_labels(x, y) == 32
    result = check_overfit(_model(dataset), default_objective(y), x, y, max_steps=60)
    assert result.status == "warn"
    assert "share their input with an example of another label" in result.summary


def test_a_model_that_outputs_nan_diverges(digits):
    train, dataset = digits

    class Log(nn.Module):
        def forward(self, x):
            return torch.log(x - 10.0)  # NaN for every normalised pixel

    model = nn.Sequential(_model(dataset), Log())
    x, y = train.x[:32], train.y[:32]
    result = check_overfit(model, default_objective(y), x, y, max_steps=20)
    assert result.status == "fail" and result.summary.startswith("diverged")


def test_sgd_at_lr_50_is_flagged_as_exploding(digits):
    train, dataset = digits
    result = check_lr_range(
        _model(dataset),
        default_objective(train.y),
        train.x,
        train.y,
        optimizer="sgd",
        lr=50.0,
    )
    assert result.status == "fail"
    assert result.values["exploded_at"] is not None and result.values["exploded_at"] <= 50.0
    assert "above where the loss explodes" in result.summary
    suggested = result.values["suggested_lr"]
    assert suggested is not None and suggested < result.values["exploded_at"] / 5


def test_adam_at_a_usual_rate_passes(digits):
    train, dataset = digits
    result = check_lr_range(
        _model(dataset), default_objective(train.y), train.x, train.y, optimizer="adam", lr=1e-3
    )
    assert result.status == "pass", result.summary
    assert 1e-4 < result.values["suggested_lr"] < 1e-1


def test_suggestion_rule_on_a_synthetic_curve():
    lrs = [10 ** (-5 + k / 10) for k in range(50)]
    # loss flat, falls between 1e-3 and 1e-1 (lowest at 1e-1), then rises
    smoothed = [2.0 - 1.5 * min(1.0, max(0.0, (math.log10(lr) + 3) / 2)) for lr in lrs]
    smoothed = [
        s + (max(0.0, math.log10(lr) + 1) ** 2) for s, lr in zip(smoothed, lrs, strict=True)
    ]
    picks = suggest(lrs, smoothed)
    assert picks["min_loss_lr"] == pytest.approx(1e-1)
    assert picks["suggested_lr"] == pytest.approx(1e-2)
    assert 1e-3 <= picks["steepest_lr"] < 1e-1
    assert exploding(9.0, 2.0, 2.3) and exploding(2.0, 0.5, 2.3) and not exploding(1.0, 0.5, 2.3)


def test_a_configured_rate_past_the_explosion_fails_even_when_the_loss_never_fell():
    from learnlab.practice.doctor.lr_range import _verdict

    flat = {"fell": False, "suggested_lr": None, "min_loss_lr": 0.5, "steepest_lr": None}
    status, summary, advice = _verdict("sgd", 50.0, 2.4, flat, 200)
    assert status == "fail" and "above where the loss explodes" in summary
    assert "well below 2.4" in advice[0]
    assert _verdict("sgd", 0.01, 2.4, flat, 200)[0] == "warn"
    assert _verdict("sgd", None, None, flat, 200)[0] == "warn"
