"""Oracle tests: learnlab.metrics.scores against scikit-learn's metrics."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn import metrics as skm

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.scores import (
    accuracy,
    confusion_matrix,
    macro_scores,
    per_class_scores,
    precision_recall_fscore,
)


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


# ---- precision_recall_fscore against sklearn's precision_recall_fscore_support ----------------


@st.composite
def label_pairs(draw, never_predicted: bool = False):
    """(k, y_true, y_pred); with `never_predicted`, the last class is never predicted."""
    k = draw(st.integers(2, 6))
    n = draw(st.integers(1, 40))
    y_true = draw(arrays(np.int64, n, elements=st.integers(0, k - 1)))
    top = k - 2 if never_predicted else k - 1
    y_pred = draw(arrays(np.int64, n, elements=st.integers(0, top)))
    return k, y_true, y_pred


def sklearn_prf(y_true, y_pred, k, **kwargs):
    return skm.precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0, **kwargs
    )


@settings(max_examples=150, deadline=None)
@given(
    data=st.one_of(label_pairs(), label_pairs(never_predicted=True)),
    average=st.sampled_from(["macro", "micro", "weighted", None]),
    beta=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.7]),
)
def test_precision_recall_fscore_matches_sklearn(data, average, beta) -> None:
    k, y_true, y_pred = data
    ours = precision_recall_fscore(
        torch.from_numpy(y_true), torch.from_numpy(y_pred), k, beta=beta, average=average
    )
    p, r, f, s = sklearn_prf(y_true, y_pred, k, beta=beta, average=average)
    for name, expected in (("precision", p), ("recall", r), ("fscore", f)):
        got = ours[name].numpy() if average is None else ours[name]
        np.testing.assert_allclose(got, expected, atol=1e-6, err_msg=name)
    if average is None:
        np.testing.assert_array_equal(ours["support"].numpy(), s)
    else:
        assert all(isinstance(ours[name], float) for name in ("precision", "recall", "fscore"))


@settings(max_examples=100, deadline=None)
@given(
    y=arrays(np.int64, st.integers(1, 30), elements=st.integers(0, 1)),
    flips=st.lists(st.booleans(), min_size=30, max_size=30),
    pos_label=st.sampled_from([0, 1]),
    beta=st.sampled_from([0.5, 1.0, 2.0]),
)
def test_binary_average_scores_the_positive_class_like_sklearn(y, flips, pos_label, beta) -> None:
    y_pred = np.where(np.array(flips[: len(y)]), 1 - y, y)
    ours = precision_recall_fscore(
        torch.from_numpy(y), torch.from_numpy(y_pred), 2, beta=beta, pos_label=pos_label
    )
    p, r, f, _ = sklearn_prf(y, y_pred, 2, beta=beta, average="binary", pos_label=pos_label)
    assert (ours["precision"], ours["recall"], ours["fscore"]) == pytest.approx((p, r, f), abs=1e-6)


def test_fscore_beta_limits_are_precision_and_recall() -> None:
    y_true, y_pred = random_labels(6, 200, 4, never_predicted=1)
    scores = precision_recall_fscore(y_true, y_pred, 4, average=None, beta=0.0)
    torch.testing.assert_close(scores["fscore"], scores["precision"])
    scores = precision_recall_fscore(y_true, y_pred, 4, average=None, beta=float("inf"))
    torch.testing.assert_close(scores["fscore"], scores["recall"])
    # the never-predicted class scores 0, not NaN
    assert float(scores["precision"][1]) == 0.0


def test_micro_average_is_the_accuracy() -> None:
    y_true, y_pred = random_labels(7, 300, 5)
    micro = precision_recall_fscore(y_true, y_pred, 5, average="micro")
    assert micro["fscore"] == pytest.approx(accuracy(y_true, y_pred), abs=1e-12)


def test_precision_recall_fscore_bad_options() -> None:
    y = torch.tensor([0, 1, 2])
    with pytest.raises(ConfigError, match="num_classes=2"):
        precision_recall_fscore(y, y, 3)  # binary average on three classes
    with pytest.raises(ConfigError, match="average must be one of"):
        precision_recall_fscore(y, y, 3, average="samples")
    with pytest.raises(ConfigError, match="beta"):
        precision_recall_fscore(y, y, 3, average="macro", beta=-1)
