"""DANN through the Trainer: the pairs of batches and the schedules moved by the progress."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.objectives.domain_adversarial import (
    DomainAdversarial,
    adaptation_factor,
    annealed_learning_rate,
)
from learnlab.procedures.base import Stage
from learnlab.procedures.domain_adversarial import DomainPairs, train_domain_adversarial


def _setup(target_examples: int = 6):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    dann = DomainAdversarial(model, feature_layer="1", domain_classifier=nn.Linear(4, 1))
    source = TensorLoader(torch.randn(12, 3), torch.randint(0, 2, (12,)), batch_size=4, seed=0)
    target = TensorLoader(torch.randn(target_examples, 3) + 2, batch_size=4, seed=1)
    return model, dann, DomainPairs(source, target)


def test_pairs_cycle_the_target_beside_each_source_batch():
    _, _, pairs = _setup(target_examples=6)  # 3 source batches, 2 target batches
    batches = list(pairs)
    assert len(batches) == len(pairs) == 3
    assert [len(b[2]) for b in batches] == [4, 2, 4]  # the target started over
    assert all(len(b[0]) == len(b[1]) == 4 for b in batches)


def test_schedules_follow_the_progress_of_training():
    model, dann, pairs = _setup()
    phase = train_domain_adversarial(
        model, dann, pairs, Stage(epochs=2, optimizer="sgd", lr=0.1), anneal_lr=True
    )
    # 6 steps: the last one runs at p = 5/6, with lambda_p and mu_p of that p
    assert dann.progress == pytest.approx(5 / 6)
    assert dann.reversal.scale == pytest.approx(adaptation_factor(5 / 6))
    assert phase.history[-1]["lr"] == pytest.approx(annealed_learning_rate(5 / 6, 0.1))
    # the epoch means of lambda: steps 0-2 then 3-5
    first = sum(adaptation_factor(k / 6) for k in range(3)) / 3
    assert phase.history[0]["train_lambda"] == pytest.approx(first, rel=1e-6)
