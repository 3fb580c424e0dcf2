"""Oracle tests: expected calibration error against a direct loop and sklearn's
calibration_curve (binary reliability diagram)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.calibration import calibration_curve

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.calibration import (
    confidence_and_correct,
    expected_calibration_error,
    reliability_diagram,
)

# Values on the bin edges of 5 and 10 bins (0.2, 0.5, 1.0...) test which bin an edge joins.
EDGE_VALUES = st.sampled_from([0.0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.8, 1.0])
PROBABILITY = st.one_of(EDGE_VALUES, st.floats(0.0, 1.0, allow_nan=False))


def loop_ece(confidence: np.ndarray, correct: np.ndarray, num_bins: int) -> float:
    """Guo et al.'s definition written out: bins (lo, hi], the first one also holding 0."""
    edges = np.linspace(0.0, 1.0, num_bins + 1)
    total, n = 0.0, len(confidence)
    for m in range(num_bins):
        lo, hi = edges[m], edges[m + 1]
        members = [
            i for i in range(n) if (lo < confidence[i] <= hi) or (m == 0 and confidence[i] == lo)
        ]
        if members:
            accuracy = np.mean([correct[i] for i in members])
            mean_confidence = np.mean([confidence[i] for i in members])
            total += len(members) / n * abs(accuracy - mean_confidence)
    return total


@st.composite
def classified(draw):
    """(labels, (n, k) probabilities) with ties and confidences on bin edges."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, 40))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    raw = draw(arrays(np.float64, (n, k), elements=st.one_of(EDGE_VALUES, st.floats(0.01, 1))))
    raw[:, 0] += 1e-3  # no all-zero row
    return y, raw / raw.sum(axis=1, keepdims=True)


@settings(max_examples=150, deadline=None)
@given(problem=classified(), num_bins=st.sampled_from([1, 5, 10, 15]))
def test_ece_matches_a_direct_loop(problem, num_bins) -> None:
    y, probabilities = problem
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y
    ours = expected_calibration_error(
        torch.from_numpy(y), torch.from_numpy(probabilities), num_bins
    )
    assert ours == pytest.approx(loop_ece(confidence, correct, num_bins), abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(
    y=arrays(np.int64, st.integers(1, 40), elements=st.integers(0, 1)),
    p=arrays(np.float64, 40, elements=PROBABILITY),
    num_bins=st.sampled_from([2, 5, 10]),
)
def test_binary_reliability_bins_match_sklearn_calibration_curve(y, p, num_bins) -> None:
    p = p[: len(y)]
    diagram = reliability_diagram(torch.from_numpy(p), torch.from_numpy(y == 1), num_bins)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=num_bins, pos_label=1)
    filled = diagram.counts.numpy() > 0
    np.testing.assert_allclose(diagram.accuracy.numpy()[filled], prob_true, atol=1e-9)
    np.testing.assert_allclose(diagram.mean_confidence.numpy()[filled], prob_pred, atol=1e-9)
    assert np.isnan(diagram.accuracy.numpy()[~filled]).all()
    assert int(diagram.counts.sum()) == len(y)


def test_calibrated_predictions_have_zero_ece_and_overconfident_ones_do_not() -> None:
    # confidence 0.8 and right 4 times out of 5: calibrated
    probabilities = torch.tensor([[0.8, 0.2]] * 5, dtype=torch.float64)
    y = torch.tensor([0, 0, 0, 0, 1])
    assert expected_calibration_error(y, probabilities) == pytest.approx(0.0, abs=1e-12)
    # confidence 0.8, right 2 times out of 5: the gap 0.4 in the only bin
    y = torch.tensor([0, 0, 1, 1, 1])
    diagram = reliability_diagram(*confidence_and_correct(y, probabilities), num_bins=10)
    assert diagram.ece == pytest.approx(0.4) and diagram.mce == pytest.approx(0.4)
    assert int(diagram.counts[7]) == 5  # 0.8 lies in (0.7, 0.8]


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        reliability_diagram(torch.tensor([1.5]), torch.tensor([True]))
    with pytest.raises(ConfigError, match="num_bins"):
        reliability_diagram(torch.tensor([0.5]), torch.tensor([True]), num_bins=0)
    with pytest.raises(DataError, match="one label per row"):
        expected_calibration_error(torch.tensor([0, 1]), torch.tensor([[0.5, 0.5]]))
    with pytest.raises(DataError, match="zero examples"):
        reliability_diagram(torch.zeros(0), torch.zeros(0, dtype=torch.bool))
