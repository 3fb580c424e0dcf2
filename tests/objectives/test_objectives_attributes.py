"""Direct attribute prediction: the class scores against a brute-force product over
attributes, the seven-segment codes, and the objective's loss against a hand computation."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.objectives.attributes import (
    AttributePrediction,
    attribute_log_likelihoods,
    check_attributes_vary,
    lit_segments,
    most_probable_class,
    nearest_description_class,
    seven_segment_codes,
)


def test_seven_segment_codes_are_the_display_and_all_distinct():
    codes = seven_segment_codes()
    assert codes.shape == (10, 7)
    assert len({tuple(row.tolist()) for row in codes}) == 10
    assert lit_segments(1) == ["upper-right", "lower-right"]
    assert lit_segments(7) == ["top", "upper-right", "lower-right"]
    assert codes[8].sum() == 7 and codes[0, 6] == 0  # 8 lights all, 0 not the middle


def test_log_likelihoods_are_the_product_of_per_attribute_probabilities():
    logits = torch.tensor([[0.3, -1.2, 2.0], [-0.5, 0.1, 0.0]], dtype=torch.float64)
    descriptions = torch.tensor(list(itertools.product([0.0, 1.0], repeat=3)), dtype=torch.float64)
    measured = attribute_log_likelihoods(logits, descriptions)
    for i, j in itertools.product(range(2), range(8)):
        p = 1.0
        for m in range(3):
            on = 1 / (1 + math.exp(-float(logits[i, m])))
            p *= on if descriptions[j, m] == 1 else 1 - on
        assert float(measured[i, j]) == pytest.approx(math.log(p), rel=1e-12)


def test_the_most_probable_and_nearest_classes_are_chosen_among_the_candidates_only():
    codes = seven_segment_codes()
    logits = 8 * (2 * codes - 1)  # confident, correct predictions of every digit's segments
    assert most_probable_class(logits, codes, range(10)).tolist() == list(range(10))
    assert nearest_description_class(logits, codes, range(10)).tolist() == list(range(10))
    # an "8" (all segments) among candidates 0 and 1: 0 differs in one segment, 1 in five
    assert int(most_probable_class(logits[8:9], codes, [1, 0])) == 0
    assert int(nearest_description_class(logits[8:9], codes, [1, 0])) == 0
    with pytest.raises(ConfigError, match="candidate"):
        most_probable_class(logits, codes, [])


def test_the_loss_is_the_mean_binary_cross_entropy_to_the_class_description():
    descriptions = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    model = torch.nn.Identity()
    logits = torch.tensor([[2.0, -1.0], [0.5, 0.5]])
    loss, metrics = AttributePrediction(descriptions)(model, (logits, torch.tensor([0, 1])))
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    expected = (
        -(
            math.log(sig(2.0))
            + math.log(1 - sig(-1.0))
            + math.log(1 - sig(0.5))
            + math.log(sig(0.5))
        )
        / 4
    )
    assert float(loss) == pytest.approx(expected)
    assert metrics["attribute_accuracy"].tolist() == [1.0, 0.5]


def test_an_attribute_constant_over_the_seen_classes_is_refused():
    codes = seven_segment_codes()
    check_attributes_vary(codes, [0, 1, 2, 3, 4, 5, 6])
    # 8 and 0 both light the top, the upper-right, ... : only the middle segment varies
    with pytest.raises(ConfigError, match="attribute"):
        check_attributes_vary(codes, [8, 0])
