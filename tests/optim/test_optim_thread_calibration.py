"""The thread calibration (learnlab.train.thread_calibration) times a step of copies of the
model and optimizer: learnlab.optim's classes rebuild from their parameter groups and take
its closure, which builds the gradient's graph when asked."""

from __future__ import annotations

import math

import pytest
import torch

from learnlab.objectives.supervised import CrossEntropy
from learnlab.train.optimizers import build_optimizer
from learnlab.train.thread_calibration import seconds_per_step


@pytest.mark.parametrize("name", ["newton", "cg", "newton-cg"])
def test_a_step_is_timed_on_copies(name):
    model = torch.nn.Linear(5, 3)
    optimizer = build_optimizer(name, model.parameters(), lr=1.0)
    before = [p.detach().clone() for p in model.parameters()]
    batch = (torch.randn(8, 5), torch.randint(0, 3, (8,)))
    seconds = seconds_per_step(model, CrossEntropy(), optimizer, batch, [1], budget=0.05)
    assert math.isfinite(seconds[1]) and seconds[1] > 0
    assert all(torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True))
