"""Streaming accumulators: batch by batch equals all at once (on scores rounded down to the
bin grid, checked against scikit-learn), and the state does not grow with the data."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.calibration import confidence_and_correct, reliability_diagram
from learnlab.metrics.scores import confusion_matrix
from learnlab.metrics.selective import selective_curve
from learnlab.metrics.streaming import (
    StreamingCalibration,
    StreamingConfusion,
    StreamingCoverage,
    StreamingCurves,
)


def rounded_down(scores: np.ndarray, num_bins: int) -> np.ndarray:
    """Scores moved down to the grid 0, 1/(B-1), ..., 1, written independently of the code."""
    return np.floor(scores * (num_bins - 1)) / (num_bins - 1)


def batches(n: int, cuts: list[int]) -> list[slice]:
    edges = sorted({0, n, *(c % (n + 1) for c in cuts)})
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


@st.composite
def binary_stream(draw):
    n = draw(st.integers(2, 60))
    y = draw(arrays(np.int64, n, elements=st.integers(0, 1)))
    y[:2] = [0, 1]
    values = st.one_of(st.sampled_from([0.0, 0.3, 0.5, 0.999, 1.0]), st.floats(0, 1))
    scores = draw(arrays(np.float64, n, elements=values))
    cuts = draw(st.lists(st.integers(0, 1000), max_size=5))
    return y, scores, batches(n, cuts)


@st.composite
def multiclass_stream(draw):
    k = draw(st.integers(2, 4))
    n = draw(st.integers(k + 1, 60))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    y[:k] = np.arange(k)
    logits = draw(arrays(np.float64, (n, k), elements=st.floats(-3, 3)))
    probabilities = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    cuts = draw(st.lists(st.integers(0, 1000), max_size=5))
    return y, probabilities, batches(n, cuts)


@settings(max_examples=100, deadline=None)
@given(stream=binary_stream(), num_bins=st.sampled_from([2, 11, 101, 1001]))
def test_binned_binary_curves_equal_sklearn_on_rounded_scores(stream, num_bins) -> None:
    y, scores, parts = stream
    accumulator = StreamingCurves(num_classes=None, num_bins=num_bins)
    for part in parts:
        accumulator.update(torch.from_numpy(y[part]), torch.from_numpy(scores[part]))
    grid = rounded_down(scores, num_bins)
    precision, recall, thresholds = accumulator.precision_recall_curve()
    sk_precision, sk_recall, sk_thresholds = skm.precision_recall_curve(y, grid)
    np.testing.assert_allclose(precision.numpy(), sk_precision, atol=1e-6)
    np.testing.assert_allclose(recall.numpy(), sk_recall, atol=1e-6)
    np.testing.assert_allclose(thresholds.numpy(), sk_thresholds, atol=1e-12)
    fpr, tpr, _ = accumulator.roc_curve(drop_intermediate=True)
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, grid)
    np.testing.assert_allclose(fpr.numpy(), sk_fpr, atol=1e-6)
    np.testing.assert_allclose(tpr.numpy(), sk_tpr, atol=1e-6)
    assert accumulator.roc_auc() == pytest.approx(skm.roc_auc_score(y, grid), abs=1e-6)
    assert accumulator.average_precision() == pytest.approx(
        skm.average_precision_score(y, grid), abs=1e-6
    )


@settings(max_examples=60, deadline=None)
@given(stream=multiclass_stream(), num_bins=st.sampled_from([11, 1001]))
def test_binned_one_vs_rest_scores_equal_sklearn_on_rounded_probabilities(stream, num_bins):
    y, probabilities, parts = stream
    k = probabilities.shape[1]
    accumulator = StreamingCurves(num_classes=k, num_bins=num_bins)
    for part in parts:
        accumulator.update(torch.from_numpy(y[part]), torch.from_numpy(probabilities[part]))
    grid = rounded_down(probabilities, num_bins)
    onehot = np.eye(k)[y]
    auc = [skm.roc_auc_score(onehot[:, c], grid[:, c]) for c in range(k)]
    ap = [skm.average_precision_score(onehot[:, c], grid[:, c]) for c in range(k)]
    np.testing.assert_allclose(accumulator.roc_auc(average=None).numpy(), auc, atol=1e-6)
    np.testing.assert_allclose(accumulator.average_precision(average=None).numpy(), ap, atol=1e-6)
    assert accumulator.roc_auc() == pytest.approx(np.mean(auc), abs=1e-6)
    weighted = np.average(ap, weights=onehot.sum(0))
    assert accumulator.average_precision(average="weighted") == pytest.approx(weighted, abs=1e-6)
    micro = skm.roc_auc_score(onehot.ravel(), grid.ravel())
    assert accumulator.roc_auc(average="micro") == pytest.approx(micro, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(stream=multiclass_stream(), num_bins=st.sampled_from([5, 15]))
def test_streaming_calibration_and_confusion_are_exact(stream, num_bins) -> None:
    y, probabilities, parts = stream
    k = probabilities.shape[1]
    calibration = StreamingCalibration(num_bins)
    confusion = StreamingConfusion(k)
    for part in parts:
        calibration.update(torch.from_numpy(y[part]), torch.from_numpy(probabilities[part]))
        confusion.update(torch.from_numpy(y[part]), torch.from_numpy(probabilities[part]))
    y_t, p_t = torch.from_numpy(y), torch.from_numpy(probabilities)
    exact = reliability_diagram(*confidence_and_correct(y_t, p_t), num_bins)
    streamed = calibration.compute()
    torch.testing.assert_close(streamed.counts, exact.counts)
    torch.testing.assert_close(streamed.accuracy, exact.accuracy, equal_nan=True)
    torch.testing.assert_close(streamed.mean_confidence, exact.mean_confidence, equal_nan=True)
    assert streamed.ece == pytest.approx(exact.ece, abs=1e-12)
    expected = confusion_matrix(y_t, p_t.argmax(dim=1), k)
    assert torch.equal(confusion.compute(), expected)


@settings(max_examples=60, deadline=None)
@given(stream=multiclass_stream(), num_bins=st.sampled_from([2, 11, 1001]))
def test_streaming_coverage_equals_exact_curve_on_rounded_confidence(stream, num_bins) -> None:
    y, probabilities, parts = stream
    coverage = StreamingCoverage(num_bins)
    for part in parts:
        coverage.update(torch.from_numpy(y[part]), torch.from_numpy(probabilities[part]))
    correct = torch.from_numpy(probabilities.argmax(axis=1) == y)
    confidence = torch.from_numpy(rounded_down(probabilities.max(axis=1), num_bins))
    exact = selective_curve(correct, confidence)
    streamed = coverage.compute()
    torch.testing.assert_close(streamed.thresholds, exact.thresholds)
    assert torch.equal(streamed.accepted, exact.accepted)
    assert torch.equal(streamed.correct, exact.correct)


def test_state_size_does_not_grow_with_the_number_of_examples() -> None:
    g = torch.Generator().manual_seed(0)
    accumulators = {
        "confusion": StreamingConfusion(10),
        "curves": StreamingCurves(10, num_bins=1001),
        "calibration": StreamingCalibration(15),
        "coverage": StreamingCoverage(1001),
    }

    def state_bytes() -> dict[str, int]:
        return {
            name: sum(t.numel() * t.element_size() for t in acc.state_dict().values())
            for name, acc in accumulators.items()
        }

    before = state_bytes()
    for n in (10, 5000, 20000):
        y = torch.randint(0, 10, (n,), generator=g)
        p = torch.softmax(torch.randn(n, 10, generator=g), dim=1)
        for acc in accumulators.values():
            acc.update(y, p)
        assert state_bytes() == before
    assert before["curves"] == 2 * 10 * 1001 * 8
    assert int(accumulators["confusion"].compute().sum()) == 25010


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(ConfigError, match="num_bins"):
        StreamingCurves(None, num_bins=1)
    with pytest.raises(ConfigError, match="num_classes"):
        StreamingCurves(1)
    curves = StreamingCurves(None, num_bins=11)
    with pytest.raises(DataError, match="no scores yet"):
        curves.roc_auc()
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        curves.update(torch.tensor([0, 1]), torch.tensor([0.5, 2.0]))
    curves.update(torch.tensor([1, 1]), torch.tensor([0.5, 0.7]))
    with pytest.raises(DataError, match="only one class"):
        curves.roc_auc()
    with pytest.raises(DataError, match=r"\(n, 3\)"):
        StreamingCurves(3).update(torch.tensor([0, 1]), torch.rand(2, 4))
