"""The doctor's training checks: overfitting a tiny batch (and saying why it fails), and the
learning-rate range test that flags a rate where the loss explodes."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from learnlab.config import TrainConfig
from learnlab.doctor.common import default_objective
from learnlab.doctor.lr_range import check_lr_range, exploding, suggest
from learnlab.doctor.overfit import check_overfit, conflicting_labels
from learnlab.pipeline import prepare_data
from learnlab.pipeline.build import build_model_for

CONFIG = TrainConfig(dataset="digits", model="mlp", model_options={"width": 64})


@pytest.fixture(scope="module")
def digits():
    data = prepare_data(CONFIG)
    return data.train, data.dataset


def _model(dataset) -> nn.Module:
    torch.manual_seed(0)
    return build_model_for(CONFIG, dataset.input_shape, dataset.num_outputs)


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
    from learnlab.doctor.lr_range import _verdict

    flat = {"fell": False, "suggested_lr": None, "min_loss_lr": 0.5, "steepest_lr": None}
    status, summary, advice = _verdict("sgd", 50.0, 2.4, flat, 200)
    assert status == "fail" and "above where the loss explodes" in summary
    assert "well below 2.4" in advice[0]
    assert _verdict("sgd", 0.01, 2.4, flat, 200)[0] == "warn"
    assert _verdict("sgd", None, None, flat, 200)[0] == "warn"


def _regression():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 10, generator=g)
    y = x @ torch.randn(10, 1, generator=g) + 0.1 * torch.randn(512, 1, generator=g)
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1)), x, y


def _affine(objective, shift: float, scale: float):
    def shifted(model, batch):
        loss, metrics = objective(model, batch)
        return scale * loss + shift, metrics

    return shifted


def test_adding_a_constant_to_the_loss_or_scaling_it_changes_no_verdict():
    # MSE - 2 has the gradients of MSE but goes negative: the old rule smoothed > 4 * best
    # then fired at once and failed lr 0.3 as "above where the loss explodes".
    model, x, y = _regression()
    results = {
        (shift, scale): check_lr_range(
            model, _affine(default_objective(y), shift, scale), x, y, optimizer="adam", lr=0.3
        )
        for shift, scale in [(0.0, 1.0), (-2.0, 1.0), (0.0, 10.0)]
    }
    plain = results[(0.0, 1.0)]
    assert plain.status == "pass", plain.summary
    assert plain.values["exploded_at"] is not None and plain.values["exploded_at"] > 0.3
    for key, result in results.items():
        assert result.status == plain.status, (key, result.summary)
        assert result.values["fell"] == plain.values["fell"]
    shifted = results[(-2.0, 1.0)].values
    # identical gradients, identical run: the same step, and the same rates
    assert shifted["exploded_at"] == plain.values["exploded_at"]
    assert shifted["suggested_lr"] == plain.values["suggested_lr"]
    assert shifted["loss_noise"] == pytest.approx(plain.values["loss_noise"], rel=1e-9)
    # Adam is invariant to the scale of the loss up to its eps: same rate within one step of
    # the grid (a factor of 1e6 ** (1 / 199), about 1.07)
    scaled = results[(0.0, 10.0)].values
    assert scaled["exploded_at"] == pytest.approx(plain.values["exploded_at"], rel=0.08)
    assert scaled["loss_noise"] == pytest.approx(10 * plain.values["loss_noise"], rel=1e-3)


def test_explosion_and_fall_rules_depend_only_on_differences_of_losses():
    cases = [(9.0, 2.0, 2.3, 0.0), (2.0, 0.5, 2.3, 0.0), (1.0, 0.5, 2.3, 0.0), (2.4, 2.2, 2.3, 0.1)]
    expected = [True, True, False, False]
    for shift in (0.0, -2.0, -100.0, 7.0):
        got = [exploding(s + shift, b + shift, f + shift, n) for s, b, f, n in cases]
        assert got == expected, shift
        assert [exploding(10 * s, 10 * b, 10 * f, 10 * n) for s, b, f, n in cases] == expected
    # a rise of 1.5 noise units over a loss that never fell is noise, 10 units is a blow-up
    assert not exploding(-1.0 + 0.15, -1.0, -1.0, 0.1) and exploding(-1.0 + 1.0, -1.0, -1.0, 0.1)
    lrs = [10 ** (-5 + k / 10) for k in range(20)]
    falling = [1.0 - 0.01 * k for k in range(20)]  # falls by 0.19
    for shift in (0.0, -2.0, 50.0):
        curve = [v + shift for v in falling]
        assert suggest(lrs, curve, noise=0.05)["fell"]  # 0.19 > 3 * 0.05
        assert not suggest(lrs, curve, noise=0.1)["fell"]  # within the batch-to-batch spread
