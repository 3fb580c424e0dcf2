"""Edit distance on cases counted by hand, and the string scores built on it."""

from __future__ import annotations

import pytest

from learnlab.metrics.sequences import edit_distance, sequence_scores


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ([], [], 0),
        ([1], [], 1),
        ([], [1, 2], 2),
        ([1, 2, 3], [1, 3], 1),
        ([1, 2], [2, 1], 2),
        ([3, 1, 4, 1, 5], [3, 1, 4, 1, 5], 0),
        ([1, 1, 1], [2, 2, 2], 3),
    ],
)
def test_edit_distance_on_cases_counted_by_hand(a, b, distance):
    assert edit_distance(a, b) == distance == edit_distance(b, a)


def test_scores_count_exact_strings_and_edits_per_true_symbol():
    scores = sequence_scores([[1, 2], [3], [7, 7, 7]], [[1, 2], [4, 4], [7, 7]])
    assert scores["string_accuracy"] == pytest.approx(1 / 3)
    assert scores["symbol_error_rate"] == pytest.approx(3 / 6)
    assert scores["mean_edit_distance"] == pytest.approx(1.0)
