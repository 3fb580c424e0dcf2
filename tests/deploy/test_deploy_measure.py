"""Measurements: accuracy, saved size, median latencies."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.deploy.measure import accuracy, median_latencies, saved_size_bytes
from learnlab.io.errors import ConfigError


def test_accuracy_counts_correct_predictions_over_batches():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
    x = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0]])
    assert accuracy(model, x, torch.tensor([0, 1, 1]), batch_size=2) == pytest.approx(2 / 3)


def test_saved_size_grows_with_the_parameters():
    small, large = saved_size_bytes(nn.Linear(10, 10)), saved_size_bytes(nn.Linear(100, 100))
    assert 4 * 110 < small < large and large > 4 * 10_100


def test_latencies_of_each_model_and_bad_repeats():
    models = {"small": nn.Linear(4, 4), "large": nn.Sequential(*[nn.Linear(4, 4)] * 50)}
    times = median_latencies(models, torch.randn(2, 4), repeats=5, warmup=1)
    assert set(times) == {"small", "large"} and all(t > 0 for t in times.values())
    with pytest.raises(ConfigError, match="repeats must be a whole number >= 1"):
        median_latencies(models, torch.randn(2, 4), repeats=0)
