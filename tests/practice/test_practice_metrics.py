"""Oracle tests: learnlab.practice.metrics against scikit-learn's metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn import metrics as skm

from learnlab.errors import ConfigError, DataError
from learnlab.practice.metrics import accuracy, confusion_matrix, macro_scores, per_class_scores


def random_labels(seed: int, n: int, k: int, never_predicted: int | None = None):
    g = torch.Generator().manual_seed(seed)
    y_true = torch.randint(0, k, (n,), generator=g)
    # 60% correct so the diagonal dominates, as with a trained model
    noise = torch.randint(0, k, (n,), generator=g)
    y_pred = torch.where(torch.rand(n, generator=g) < 0.6, y_true, noise)
    if never_predicted is not None:
        y_pred = torch.where(y_pred == never_predicted, (y_pred + 1) % k, y_pred)
    return y_true, y_pred


@pytest.mark.parametrize("seed, n, k", [(0, 500, 10), (1, 37, 3), (2, 1000, 7), (3, 5, 4)])
def test_confusion_matrix_matches_sklearn(seed: int, n: int, k: int) -> None:
    y_true, y_pred = random_labels(seed, n, k)
    ours = confusion_matrix(y_true, y_pred, k)
    expected = skm.confusion_matrix(y_true.numpy(), y_pred.numpy(), labels=list(range(k)))
    assert ours.dtype == torch.int64 and ours.shape == (k, k)
    np.testing.assert_array_equal(ours.numpy(), expected)


def test_confusion_matrix_rows_are_true_classes() -> None:
    c = confusion_matrix(torch.tensor([0, 0, 0]), torch.tensor([1, 1, 2]), 3)
    assert c.tolist() == [[0, 2, 1], [0, 0, 0], [0, 0, 0]]


def test_accuracy_matches_sklearn() -> None:
    y_true, y_pred = random_labels(4, 333, 5)
    expected = skm.accuracy_score(y_true.numpy(), y_pred.numpy())
    assert accuracy(y_true, y_pred) == pytest.approx(expected, abs=1e-15)
    assert isinstance(accuracy(y_true, y_pred), float)


@pytest.mark.parametrize("never_predicted", [None, 2])
def test_per_class_and_macro_scores_match_sklearn(never_predicted: int | None) -> None:
    k = 6
    y_true, y_pred = random_labels(5, 400, k, never_predicted=never_predicted)
    if never_predicted is not None:
        assert not bool((y_pred == never_predicted).any())
    c = confusion_matrix(y_true, y_pred, k)
    scores = per_class_scores(c)
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true.numpy(), y_pred.numpy(), labels=list(range(k)), zero_division=0
    )
    np.testing.assert_allclose(scores["precision"].numpy(), p, atol=1e-12)
    np.testing.assert_allclose(scores["recall"].numpy(), r, atol=1e-12)
    np.testing.assert_allclose(scores["f1"].numpy(), f, atol=1e-12)
    np.testing.assert_array_equal(scores["support"].numpy(), s)
    assert scores["support"].dtype == torch.int64

    macro = macro_scores(c)
    mp, mr, mf, _ = skm.precision_recall_fscore_support(
        y_true.numpy(), y_pred.numpy(), labels=list(range(k)), average="macro", zero_division=0
    )
    assert macro == pytest.approx({"macro_precision": mp, "macro_recall": mr, "macro_f1": mf})
    if never_predicted is not None:
        assert scores["precision"][never_predicted] == 0 and scores["f1"][never_predicted] == 0


def test_class_absent_everywhere_scores_zero_like_sklearn() -> None:
    # class 3 appears neither in labels nor predictions: all its scores are 0 and it still
    # counts in the macro average (sklearn with labels=range(k)).
    y_true = torch.tensor([0, 1, 2, 2, 1, 0])
    y_pred = torch.tensor([0, 2, 2, 2, 1, 1])
    c = confusion_matrix(y_true, y_pred, 4)
    scores = per_class_scores(c)
    assert [float(scores[s][3]) for s in ("precision", "recall", "f1")] == [0.0, 0.0, 0.0]
    mf = skm.f1_score(
        y_true.numpy(), y_pred.numpy(), labels=[0, 1, 2, 3], average="macro", zero_division=0
    )
    assert macro_scores(c)["macro_f1"] == pytest.approx(mf)


def test_bad_inputs_raise_clear_errors() -> None:
    y = torch.tensor([0, 1, 2])
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        confusion_matrix(y, y, 2)
    with pytest.raises(DataError, match="3 labels but y_pred has 2"):
        confusion_matrix(y, y[:2], 3)
    with pytest.raises(DataError, match="integer class indices"):
        confusion_matrix(y.float(), y, 3)
    with pytest.raises(DataError, match="argmax"):
        confusion_matrix(y, torch.zeros(3, 3), 3)
    with pytest.raises(ConfigError, match="num_classes"):
        confusion_matrix(y, y, 0)
    with pytest.raises(DataError, match="zero examples"):
        accuracy(y[:0], y[:0])
    with pytest.raises(DataError, match="square"):
        per_class_scores(torch.zeros(2, 3))


def test_empty_labels_give_zero_matrix() -> None:
    empty = torch.zeros(0, dtype=torch.int64)
    assert confusion_matrix(empty, empty, 3).sum() == 0
