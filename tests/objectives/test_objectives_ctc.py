"""CTC (Graves et al. 2006): the objective equals torch's ctc_loss and the sum over every
alignment enumerated by hand in float64; best-path decoding collapses repeats, then removes
blanks."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch import nn

from learnlab.objectives.ctc import CTC, collapse, ctc_negative_log_likelihood, greedy_decode


class FixedScores(nn.Module):
    """A 'model' whose output is a given (N, T, C) tensor of scores, whatever the input."""

    def __init__(self, scores: torch.Tensor):
        super().__init__()
        self.scores = nn.Parameter(scores)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.scores


def brute_force_nll(log_probs: torch.Tensor, target: list[int]) -> float:
    """-log of the sum, over all C^T alignments that collapse to `target`, of their
    probability: the definition of p(y | x), no dynamic programme."""
    frames, classes = log_probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        if collapse(list(path)) == target:
            total += math.exp(sum(float(log_probs[t, c]) for t, c in enumerate(path)))
    return -math.log(total)


def test_uniform_scores_over_two_frames_give_log_3_by_hand():
    # C = 3 (blank, "0", "1") uniform, T = 2, label "0" (class 1): the alignments that collapse
    # to it are (1, blank), (blank, 1), (1, 1): 3 of the 9, so p = 1/3 and the loss is log 3
    model = FixedScores(torch.zeros(1, 2, 3, dtype=torch.float64))
    batch = (torch.zeros(1), torch.tensor([[0, -1]]), torch.tensor([1]))
    loss, _ = CTC()(model, batch)
    assert float(loss.detach()) == pytest.approx(math.log(3), abs=1e-12)


def test_objective_equals_torch_and_the_enumerated_alignments():
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(3, 5, 4, generator=g, dtype=torch.float64)  # N=3, T=5, blank + 3
    digits = torch.tensor([[0, 1, -1], [2, 2, -1], [1, 0, 2]])  # "01", "22" (needs a blank)
    lengths = torch.tensor([2, 2, 3])
    loss, metrics = CTC()(FixedScores(scores), (torch.zeros(3), digits, lengths))
    log_probs = scores.log_softmax(-1)
    by_hand = [
        brute_force_nll(log_probs[i], (digits[i, : lengths[i]] + 1).tolist()) for i in range(3)
    ]
    torch_loss = nn.functional.ctc_loss(
        log_probs.transpose(0, 1),
        (digits + 1).clamp(min=1),
        torch.full((3,), 5),
        lengths,
        reduction="sum",
    )
    assert float(loss) == pytest.approx(sum(by_hand) / 3, rel=1e-10)
    assert float(loss) == pytest.approx(float(torch_loss) / 3, rel=1e-10)
    per_example = ctc_negative_log_likelihood(log_probs, (digits + 1).clamp(min=0), lengths)
    assert per_example.tolist() == pytest.approx(by_hand, rel=1e-10)
    assert metrics["string_accuracy"].shape == (3,)


def test_gradient_flows_to_the_model():
    model = FixedScores(torch.zeros(1, 4, 3))
    loss, _ = CTC()(model, (torch.zeros(1), torch.tensor([[1, 0]]), torch.tensor([2])))
    loss.backward()
    assert model.scores.grad is not None and model.scores.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("path", "collapsed"),
    [
        ([1, 1, 0, 1], [1, 1]),  # a blank separates a repeated symbol
        ([1, 1, 1, 2], [1, 2]),  # a run is merged
        ([0, 0, 0], []),  # only blanks: the empty string
        ([2, 0, 0, 2, 2, 0, 3], [2, 2, 3]),
        ([1, 2, 1], [1, 2, 1]),
    ],
)
def test_collapse_merges_repeats_then_removes_blanks(path, collapsed):
    assert collapse(path) == collapsed


def test_greedy_decode_takes_each_frames_argmax_and_shifts_past_the_blank():
    # frames' best classes: [3, 3, 0, 3, 1] -> collapse [3, 3, 1] -> digits [2, 2, 0]
    best = torch.tensor([[3, 3, 0, 3, 1], [0, 0, 0, 0, 0]])
    scores = nn.functional.one_hot(best, 4).double() * 5
    assert greedy_decode(scores.log_softmax(-1)) == [[2, 2, 0], []]


def test_string_accuracy_metric_is_exact_match_of_the_best_path():
    best = torch.tensor([[2, 0, 3, 3], [1, 1, 1, 1]])  # reads "12" and "0"
    model = FixedScores(nn.functional.one_hot(best, 4).float() * 9)
    labels = torch.tensor([[1, 2], [0, 0]])
    _, metrics = CTC()(model, (torch.zeros(2), labels, torch.tensor([2, 2])))
    assert metrics["string_accuracy"].tolist() == [1.0, 0.0]  # "0" is not "00"
