"""Zero-shot by descriptions in words: the cosine classifier against an explicit loop over
examples and classes, the choice among candidate classes, and the objective's loss against a
hand computation over the seen classes only."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.objectives.description_matching import (
    DescriptionMatching,
    cosine_class_logits,
    most_similar_class,
)


def _cosine(u: list[float], v: list[float]) -> float:
    dot = sum(a * b for a, b in zip(u, v, strict=True))
    return dot / (math.sqrt(sum(a * a for a in u)) * math.sqrt(sum(b * b for b in v)))


def test_the_logits_are_the_cosines_divided_by_the_temperature():
    features = torch.tensor([[3.0, 4.0, 0.0], [-1.0, 2.0, 2.0]], dtype=torch.float64)
    classes = torch.tensor([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [1.0, 1.0, -1.0], [0.5, -3.0, 2.0]])
    measured = cosine_class_logits(features, classes.double(), temperature=0.25)
    assert measured.shape == (2, 4)
    for i, c in itertools.product(range(2), range(4)):
        expected = _cosine(features[i].tolist(), classes[c].tolist()) / 0.25
        assert float(measured[i, c]) == pytest.approx(expected, rel=1e-12)


def test_the_most_similar_class_is_chosen_among_the_candidates_only():
    classes = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.6, 0.8]])
    features = torch.tensor([[10.0, 0.1], [0.0, 5.0], [-2.0, -0.1]])
    assert most_similar_class(features, classes, range(4)).tolist() == [0, 1, 2]
    # among 1 and 2 only: the first example (along class 0) is nearer class 1 (cos 0.01 > -1)
    assert most_similar_class(features, classes, [2, 1]).tolist() == [1, 1, 2]
    # scale does not matter, direction does: [0.6, 0.8] is the nearest to (3, 4) among all
    assert most_similar_class(torch.tensor([[3.0, 4.0]]), classes, range(4)).tolist() == [3]
    with pytest.raises(ConfigError, match="candidate"):
        most_similar_class(features, classes, [])


def test_the_loss_is_the_cross_entropy_over_the_seen_descriptions_only():
    classes = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=torch.float64)
    features = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, -1.0]], dtype=torch.float64)
    labels = torch.tensor([0, 2, 2])  # class 1 is unseen: the softmax runs over 0 and 2
    objective = DescriptionMatching(classes, seen=[2, 0], temperature=0.5)
    loss, metrics = objective(torch.nn.Identity(), (features, labels))
    expected, right = 0.0, []
    for i in range(3):
        scores = {c: _cosine(features[i].tolist(), classes[c].tolist()) / 0.5 for c in (0, 2)}
        log_norm = math.log(sum(math.exp(s) for s in scores.values()))
        expected -= (scores[int(labels[i])] - log_norm) / 3
        right.append(float(max(scores, key=scores.get) == int(labels[i])))
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    assert metrics["seen_accuracy"].tolist() == right


def test_bad_inputs_are_refused():
    classes = torch.eye(3)
    with pytest.raises(ConfigError, match="temperature"):
        DescriptionMatching(classes, [0, 1], temperature=0.0)
    with pytest.raises(ConfigError, match="seen classes"):
        DescriptionMatching(classes, [0, 3])
    with pytest.raises(ConfigError, match="class_embeddings"):
        DescriptionMatching(torch.ones(3), [0])
    with pytest.raises(ValueError, match="seen classes only"):
        DescriptionMatching(classes, [0, 1])(
            torch.nn.Identity(), (classes, torch.tensor([0, 1, 2]))
        )
