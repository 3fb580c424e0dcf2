"""Fine-tuning trains the given model in place with the project's Trainer."""

from __future__ import annotations

import torch
from torch import nn

from learnlab.deploy.fine_tune import fine_tune


def test_fine_tuning_lowers_the_loss_in_place_and_zero_epochs_does_nothing():
    torch.manual_seed(0)
    x = torch.randn(256, 4)
    y = (x[:, 0] > 0).long()
    model = nn.Linear(4, 2)
    before = model.weight.detach().clone()
    assert fine_tune(model, x, y, epochs=0) == []
    assert torch.equal(model.weight, before)
    history = fine_tune(model, x, y, epochs=3, lr=0.1, batch_size=32, seed=0)
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert not model.training and not torch.equal(model.weight, before)
