"""Oracle tests: selective prediction against brute force over every threshold."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.selective import (
    accuracy_at_coverage,
    area_under_risk_coverage,
    coverage_accuracy_curve,
    coverage_at_accuracy,
    coverage_at_least,
    selective_curve,
)


def brute_force(correct: np.ndarray, confidence: np.ndarray) -> list[tuple[float, float, float]]:
    """(threshold, coverage, accuracy) of answering confidence >= t, for every distinct t,
    most confident first."""
    points = []
    for threshold in sorted(set(confidence.tolist()), reverse=True):
        answered = confidence >= threshold
        points.append((threshold, answered.mean(), correct[answered].mean()))
    return points


@st.composite
def selections(draw):
    """(correct, confidence) with frequent ties."""
    n = draw(st.integers(1, 50))
    correct = draw(arrays(np.bool_, n))
    values = st.one_of(st.sampled_from([0.2, 0.5, 0.7, 0.9, 1.0]), st.floats(0, 1))
    confidence = draw(arrays(np.float64, n, elements=values))
    return correct, confidence


FRACTIONS = st.one_of(st.sampled_from([0.5, 0.8, 0.9, 0.95, 1.0]), st.floats(0.001, 1.0))


@settings(max_examples=200, deadline=None)
@given(problem=selections(), coverage=FRACTIONS, target=st.floats(0.0, 1.0))
def test_curve_and_its_summaries_match_brute_force(problem, coverage, target) -> None:
    correct, confidence = problem
    curve = selective_curve(torch.from_numpy(correct), torch.from_numpy(confidence))
    points = brute_force(correct, confidence)
    np.testing.assert_allclose(curve.thresholds.numpy(), [p[0] for p in points])
    np.testing.assert_allclose(curve.coverage.numpy(), [p[1] for p in points], atol=1e-12)
    np.testing.assert_allclose(curve.accuracy.numpy(), [p[2] for p in points], atol=1e-12)

    # accuracy at the smallest coverage that reaches the one asked for
    reaching = [p for p in points if p[1] >= coverage - 1e-12]
    smallest = min(reaching, key=lambda p: p[1])
    assert accuracy_at_coverage(curve, coverage) == pytest.approx(smallest[2], abs=1e-12)
    assert coverage_at_least(curve, coverage) == pytest.approx(smallest[1], abs=1e-12)

    accurate = [p[1] for p in points if p[2] >= target]
    expected = max(accurate) if accurate else 0.0
    assert coverage_at_accuracy(curve, target) == pytest.approx(expected, abs=1e-12)

    # AURC as the step integral over coverage of the risk
    previous, area = 0.0, 0.0
    for _, covered, accuracy in points:
        area += (covered - previous) * (1 - accuracy)
        previous = covered
    assert area_under_risk_coverage(curve) == pytest.approx(area, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(correct=arrays(np.bool_, st.integers(1, 40)), seed=st.integers(0, 2**31 - 1))
def test_aurc_without_ties_is_the_mean_risk_of_the_top_i(correct, seed) -> None:
    # Geifman et al.'s per-example form: mean over i of the error rate of the i most confident
    confidence = np.random.default_rng(seed).permutation(len(correct)) / len(correct)
    order = np.argsort(-confidence)
    risks = [1 - correct[order[: i + 1]].mean() for i in range(len(correct))]
    curve = selective_curve(torch.from_numpy(correct), torch.from_numpy(confidence))
    assert area_under_risk_coverage(curve) == pytest.approx(np.mean(risks), abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(problem=selections(), seed=st.integers(0, 1000))
def test_ties_move_together_so_order_does_not_matter(problem, seed) -> None:
    correct, confidence = problem
    order = np.random.default_rng(seed).permutation(len(correct))
    first = selective_curve(torch.from_numpy(correct), torch.from_numpy(confidence))
    shuffled = selective_curve(
        torch.from_numpy(correct[order]), torch.from_numpy(confidence[order])
    )
    torch.testing.assert_close(first.accuracy, shuffled.accuracy)
    torch.testing.assert_close(first.coverage, shuffled.coverage)


def test_probabilities_use_max_probability_or_a_given_confidence() -> None:
    probabilities = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    y = torch.tensor([0, 1, 1, 1])  # the 0.6 one is wrong
    curve = coverage_accuracy_curve(y, probabilities)
    assert curve.coverage.tolist() == [0.25, 0.5, 0.75, 1.0]
    assert accuracy_at_coverage(curve, 0.75) == pytest.approx(2 / 3)
    assert coverage_at_accuracy(curve, 1.0) == 0.5
    # ranking by another score: the wrong example now comes last
    margin = torch.tensor([0.8, 0.6, 0.0, 0.1])
    curve = coverage_accuracy_curve(y, probabilities, confidence=margin)
    assert coverage_at_accuracy(curve, 1.0) == 0.75
    # nothing is as accurate as asked: coverage 0 (refuse everything)
    assert coverage_at_accuracy(coverage_accuracy_curve(1 - y, probabilities), 0.99) == 0.0


def test_coverage_is_counted_in_examples() -> None:
    # 0.9 of 10 examples is 9 examples, though 0.9 * 10 is not exactly 9 in floating point
    correct = torch.tensor([True] * 8 + [False, True])
    curve = selective_curve(correct, torch.linspace(1, 0.1, 10))
    assert coverage_at_least(curve, 0.9) == 0.9
    assert accuracy_at_coverage(curve, 0.9) == pytest.approx(8 / 9)


def test_bad_inputs_raise_clear_errors() -> None:
    curve = selective_curve(torch.tensor([True, False]), torch.tensor([0.9, 0.1]))
    with pytest.raises(ConfigError, match=r"\(0, 1\]"):
        accuracy_at_coverage(curve, 0.0)
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        coverage_at_accuracy(curve, 1.5)
    with pytest.raises(DataError, match="zero examples"):
        selective_curve(torch.zeros(0, dtype=torch.bool), torch.zeros(0))
    with pytest.raises(DataError, match="one value per example"):
        selective_curve(torch.tensor([True]), torch.tensor([0.1, 0.2]))
    with pytest.raises(DataError, match="finite"):
        selective_curve(torch.tensor([True]), torch.tensor([float("nan")]))
