"""Next-token cross-entropy against its oracles: F.cross_entropy on the flattened positions,
and -mean log softmax computed by hand in float64."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from learnlab.objectives.language import (
    NATS_PER_BIT,
    NextTokenCrossEntropy,
    next_token_loss,
    token_accuracy,
)


@pytest.fixture(autouse=True)
def one_thread():
    torch.set_num_threads(1)


def test_loss_is_cross_entropy_over_flattened_positions():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 7, generator=g)
    targets = torch.randint(7, (3, 5), generator=g)
    expected = F.cross_entropy(logits.reshape(15, 7), targets.reshape(15))
    torch.testing.assert_close(next_token_loss(logits, targets), expected)
    # and by hand, in float64: mean over all B*T positions of -log softmax at the target
    log_p = torch.log_softmax(logits.double(), dim=-1)
    by_hand = -log_p.gather(2, targets[..., None]).mean()
    assert float(next_token_loss(logits, targets)) == pytest.approx(float(by_hand), rel=1e-6)


def test_uniform_logits_cost_log_vocab_nats():
    loss = next_token_loss(torch.zeros(2, 4, 65), torch.zeros(2, 4, dtype=torch.long))
    assert float(loss) == pytest.approx(math.log(65))
    assert float(loss) / NATS_PER_BIT == pytest.approx(math.log2(65))


def test_shapes_are_checked():
    with pytest.raises(ValueError, match=r"\(B, T, V\)"):
        next_token_loss(torch.zeros(4, 7), torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\(B, T\)"):
        next_token_loss(torch.zeros(2, 4, 7), torch.zeros(2, 5, dtype=torch.long))


def test_objective_calls_the_model_and_reports_per_window_accuracy():
    logits = torch.zeros(2, 3, 4)
    logits[0, :, 1] = 1.0  # window 0 predicts token 1 everywhere
    logits[1, :, 2] = 1.0  # window 1 predicts token 2 everywhere
    targets = torch.tensor([[1, 1, 0], [2, 0, 0]])
    loss, metrics = NextTokenCrossEntropy()(lambda x: logits, (torch.zeros(2, 3), targets))
    torch.testing.assert_close(loss, next_token_loss(logits, targets))
    torch.testing.assert_close(metrics["accuracy"], torch.tensor([2 / 3, 1 / 3]))
    torch.testing.assert_close(token_accuracy(logits, targets), metrics["accuracy"])
