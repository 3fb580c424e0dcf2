"""Oracle tests: learnlab.metrics.curves against scikit-learn's ranking metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.curves import (
    average_precision,
    precision_recall_curve,
    roc_auc,
    roc_curve,
)

# A few score values make ties frequent; any float in [0, 1] makes them rare.
TIED_SCORES = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
ANY_SCORE = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def binary_problems(draw):
    """(labels with both classes present, scores), as numpy arrays."""
    n = draw(st.integers(2, 40))
    y = draw(arrays(np.int64, n, elements=st.integers(0, 1)))
    y[:2] = [0, 1]  # both classes, so that every metric is defined
    scores = draw(arrays(np.float64, n, elements=st.one_of(TIED_SCORES, ANY_SCORE)))
    order = draw(st.permutations(range(n)))
    return y[order], scores[order]


@st.composite
def multiclass_problems(draw):
    """(labels with every class present, softmax probabilities with tied columns)."""
    k = draw(st.integers(2, 5))
    n = draw(st.integers(k + 1, 40))
    y = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    y[:k] = np.arange(k)
    logits = draw(arrays(np.float64, (n, k), elements=st.integers(-2, 2).map(float)))
    probabilities = torch.softmax(torch.from_numpy(logits), dim=1).numpy()
    return y, probabilities


def t(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.asarray(array))


@settings(max_examples=200, deadline=None)
@given(problem=binary_problems())
def test_binary_curves_and_areas_match_sklearn(problem) -> None:
    y, scores = problem
    precision, recall, thresholds = precision_recall_curve(t(y), t(scores))
    sk_precision, sk_recall, sk_thresholds = skm.precision_recall_curve(y, scores)
    np.testing.assert_allclose(precision.numpy(), sk_precision, atol=1e-6)
    np.testing.assert_allclose(recall.numpy(), sk_recall, atol=1e-6)
    np.testing.assert_array_equal(thresholds.numpy(), sk_thresholds)
    assert average_precision(t(y), t(scores)) == pytest.approx(
        skm.average_precision_score(y, scores), abs=1e-6
    )
    for drop in (False, True):
        fpr, tpr, roc_thresholds = roc_curve(t(y), t(scores), drop_intermediate=drop)
        sk_fpr, sk_tpr, sk_roc_thresholds = skm.roc_curve(y, scores, drop_intermediate=drop)
        np.testing.assert_allclose(fpr.numpy(), sk_fpr, atol=1e-6)
        np.testing.assert_allclose(tpr.numpy(), sk_tpr, atol=1e-6)
        np.testing.assert_array_equal(roc_thresholds.numpy(), sk_roc_thresholds)
    assert roc_auc(t(y), t(scores)) == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(problem=binary_problems())
def test_pos_label_zero_scores_the_other_class_like_sklearn(problem) -> None:
    y, scores = problem
    assert average_precision(t(y), t(scores), pos_label=0) == pytest.approx(
        skm.average_precision_score(y, scores, pos_label=0), abs=1e-6
    )
    fpr, tpr, _ = roc_curve(t(y), t(scores), pos_label=0)
    sk_fpr, sk_tpr, _ = skm.roc_curve(y, scores, pos_label=0, drop_intermediate=False)
    np.testing.assert_allclose(fpr.numpy(), sk_fpr, atol=1e-6)
    np.testing.assert_allclose(tpr.numpy(), sk_tpr, atol=1e-6)


@settings(max_examples=120, deadline=None)
@given(problem=multiclass_problems(), average=st.sampled_from(["macro", "weighted", "micro", None]))
def test_one_vs_rest_auc_and_ap_match_sklearn(problem, average) -> None:
    y, probabilities = problem
    ours_auc = roc_auc(t(y), t(probabilities), average=average)
    ours_ap = average_precision(t(y), t(probabilities), average=average)
    k = probabilities.shape[1]
    if k > 2:  # sklearn's multiclass functions (for two classes they take one score column)
        expected_auc = skm.roc_auc_score(y, probabilities, multi_class="ovr", average=average)
        expected_ap = skm.average_precision_score(y, probabilities, average=average)
        np.testing.assert_allclose(np.asarray(ours_auc), expected_auc, atol=1e-6)
        np.testing.assert_allclose(np.asarray(ours_ap), expected_ap, atol=1e-6)
        return
    # two classes: from sklearn's binary scores of each column (or of the pooled problem)
    onehot = np.eye(k)[y]
    if average == "micro":
        expected_auc = skm.roc_auc_score(onehot.ravel(), probabilities.ravel())
        expected_ap = skm.average_precision_score(onehot.ravel(), probabilities.ravel())
    else:
        auc = [skm.roc_auc_score(onehot[:, c], probabilities[:, c]) for c in range(k)]
        ap = [skm.average_precision_score(onehot[:, c], probabilities[:, c]) for c in range(k)]
        weights = onehot.sum(0) if average == "weighted" else np.ones(k)
        expected_auc = auc if average is None else np.average(auc, weights=weights)
        expected_ap = ap if average is None else np.average(ap, weights=weights)
    np.testing.assert_allclose(np.asarray(ours_auc), expected_auc, atol=1e-6)
    np.testing.assert_allclose(np.asarray(ours_ap), expected_ap, atol=1e-6)
    if average is not None:
        assert isinstance(ours_auc, float) and isinstance(ours_ap, float)


def test_auc_counts_ties_as_one_half() -> None:
    # a positive and a negative with the same score: the pair counts 1/2
    y = torch.tensor([0, 1, 0, 1])
    scores = torch.tensor([0.3, 0.3, 0.1, 0.9])
    # pairs (positive > negative): 0.9 > both (2), 0.3 vs 0.3 (1/2), 0.3 > 0.1 (1) of 4
    assert roc_auc(y, scores) == pytest.approx(3.5 / 4)


def test_thresholds_are_the_distinct_scores() -> None:
    y = torch.tensor([1, 0, 1, 0, 1])
    scores = torch.tensor([0.2, 0.2, 0.7, 0.7, 0.7])
    _, _, thresholds = precision_recall_curve(y, scores)
    assert thresholds.tolist() == pytest.approx([0.2, 0.7])


def test_undefined_areas_raise_clear_errors() -> None:
    only_positive = torch.ones(5, dtype=torch.int64)
    scores = torch.linspace(0, 1, 5)
    with pytest.raises(DataError, match="only one class"):
        roc_auc(only_positive, scores)
    with pytest.raises(DataError, match="no positive"):
        average_precision(1 - only_positive, scores)
    with pytest.raises(DataError, match="undefined"):
        roc_curve(1 - only_positive, scores)
    probabilities = torch.softmax(torch.randn(6, 3, generator=torch.Generator().manual_seed(0)), 1)
    with pytest.raises(DataError, match="class 2 is undefined"):
        roc_auc(torch.tensor([0, 1, 0, 1, 0, 1]), probabilities)
    with pytest.raises(DataError, match=r"\[0, 2\]"):
        average_precision(torch.tensor([0, 1, 3, 1, 0, 2]), probabilities)
    with pytest.raises(DataError, match="one score per example"):
        precision_recall_curve(torch.tensor([0, 1, 0, 1, 0, 2]), probabilities)
    with pytest.raises(DataError, match="finite"):
        roc_auc(torch.tensor([0, 1]), torch.tensor([0.5, float("nan")]))
    with pytest.raises(ConfigError, match="average"):
        roc_auc(torch.tensor([0, 1, 2, 1, 0, 2]), probabilities, average="samples")
