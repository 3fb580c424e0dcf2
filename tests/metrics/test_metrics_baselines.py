"""Trivial baselines: majority class and logistic regression, against their definitions and
scikit-learn fitted directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from learnlab.io.errors import ConfigError, DataError
from learnlab.metrics.baselines import (
    fit_baselines,
    logistic_regression_probabilities,
    majority_probabilities,
)


def test_majority_predicts_the_most_frequent_training_class() -> None:
    train_y = torch.tensor([2, 0, 2, 1, 2, 0])
    probabilities = majority_probabilities(train_y, num_test=4, num_classes=4)
    assert probabilities.shape == (4, 4) and probabilities.dtype == torch.float64
    expected = torch.tensor([2 / 6, 1 / 6, 3 / 6, 0.0], dtype=torch.float64)
    torch.testing.assert_close(probabilities, expected.expand(4, 4))
    assert probabilities.argmax(dim=1).tolist() == [2, 2, 2, 2]
    # a tie goes to the lowest class index
    tied = majority_probabilities(torch.tensor([1, 0, 1, 0]), num_test=1, num_classes=2)
    assert int(tied.argmax()) == 0


def test_logistic_regression_equals_sklearn_fitted_directly() -> None:
    x, y = load_digits(return_X_y=True)
    x = x.reshape(-1, 8, 8) / 16.0  # images: the baseline flattens them
    train_x, train_y = torch.from_numpy(x[:1200]).float(), torch.from_numpy(y[:1200])
    test_x = torch.from_numpy(x[1200:]).float()
    ours = logistic_regression_probabilities(train_x, train_y, test_x, 10, max_iter=200)
    reference = LogisticRegression(max_iter=200, random_state=0)
    with threadpool_limits(limits=1, user_api="blas"):  # fast on a busy machine, same result
        reference.fit(train_x.reshape(1200, -1).numpy(), y[:1200])
        expected = reference.predict_proba(test_x.reshape(len(test_x), -1).numpy())
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-6)
    accuracy = float((ours.argmax(dim=1).numpy() == y[1200:]).mean())
    assert accuracy > 0.85  # a linear model on the 8x8 digits


def test_subsample_is_seeded_and_unseen_classes_get_zero_probability() -> None:
    g = torch.Generator().manual_seed(0)
    train_x = torch.randn(300, 5, generator=g)
    train_y = (train_x[:, 0] > 0).long()  # classes 0 and 1 of 3: class 2 never seen
    test_x = torch.randn(20, 5, generator=g)

    def fit(seed: int) -> torch.Tensor:
        return logistic_regression_probabilities(
            train_x, train_y, test_x, 3, seed=seed, max_train_examples=50
        )

    assert torch.equal(fit(1), fit(1))
    assert not torch.equal(fit(1), fit(2))  # another subsample, another fit
    probabilities = fit(1)
    assert bool((probabilities[:, 2] == 0).all())
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(20, dtype=torch.float64))


def test_fit_baselines_returns_both_and_checks_inputs() -> None:
    train_x = torch.randn(30, 2, 2)
    train_y = torch.tensor([0, 1, 1] * 10)
    found = fit_baselines(train_x, train_y, torch.randn(7, 2, 2), 2)
    assert sorted(found) == ["logreg", "majority"]
    assert all(p.shape == (7, 2) for p in found.values())
    single = fit_baselines(train_x, torch.ones(30, dtype=torch.int64), torch.randn(3, 2, 2), 2)
    assert single["logreg"][:, 1].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(DataError, match="per example"):
        fit_baselines(train_x, train_y, torch.randn(7, 4), 2)
    with pytest.raises(DataError, match="same number"):
        fit_baselines(train_x, train_y[:5], train_x, 2)
    with pytest.raises(DataError, match=r"\[0, 1\]"):
        fit_baselines(train_x, train_y + 1, train_x, 2)
    with pytest.raises(ConfigError, match="num_classes"):
        fit_baselines(train_x, train_y, train_x, 1)
