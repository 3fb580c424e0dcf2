"""Trivial baselines that every classification result is shown beside.

A model's accuracy means little alone: 90% is excellent on balanced MNIST and worthless when
90% of the examples belong to one class. Goodfellow, Bengio and Courville (2016, "Deep
Learning", section 11.2) advise establishing a simple baseline first. Two are fitted here on
the training split and evaluated on the test inputs:

- "majority": always predicts the most frequent training class (the lowest index among ties);
  its probabilities are the training class frequencies, the same for every example;
- "logreg": multinomial logistic regression on the flattened inputs (scikit-learn's
  `LogisticRegression`, L-BFGS, L2 penalty C=1; Cox, 1958, "The Regression Analysis of Binary
  Sequences"). To keep it a few seconds on MNIST-size data it is fitted on at most
  `max_train_examples` (10,000) training examples drawn with a seeded permutation and stops
  after `max_iter` (100) iterations, converged or not (on MNIST: about 3 s on 2 cores, 89%
  test accuracy; a quick reference, not the best a tuned linear model reaches).

Both return (n_test, K) float64 probabilities; classes unseen in the (subsampled) training
data get probability 0.

Example:
    >>> import torch
    >>> x = torch.randn(40, 3); y = (x[:, 0] > 0).long()
    >>> probs = fit_baselines(x, y, x[:5], num_classes=2)
    >>> sorted(probs), tuple(probs["logreg"].shape)
    (['logreg', 'majority'], (5, 2))
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

from learnlab.io.errors import ConfigError, DataError

BASELINE_NAMES = {"majority": "majority class", "logreg": "logistic regression"}


def _check(train_x: Tensor, train_y: Tensor, test_x: Tensor, num_classes: int) -> None:
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
        raise ConfigError(f"num_classes must be an integer >= 2, got {num_classes!r}")
    if train_y.dim() != 1 or train_x.shape[0] != train_y.shape[0] or len(train_y) == 0:
        raise DataError(
            f"train_x ({tuple(train_x.shape)}) and train_y ({tuple(train_y.shape)}) must hold "
            "the same number (>= 1) of examples, one label each"
        )
    if train_x.shape[1:] != test_x.shape[1:]:
        raise DataError(
            f"test inputs have shape {tuple(test_x.shape[1:])} per example but training inputs "
            f"{tuple(train_x.shape[1:])}; pass splits of one data set"
        )
    if int(train_y.min()) < 0 or int(train_y.max()) >= num_classes:
        raise DataError(f"train_y must hold labels in [0, {num_classes - 1}]")


def majority_probabilities(train_y: Tensor, num_test: int, num_classes: int) -> Tensor:
    """The training class frequencies, one row per test example."""
    counts = torch.bincount(train_y.cpu().to(torch.int64), minlength=num_classes)
    frequencies = counts.to(torch.float64) / counts.sum()
    return frequencies.expand(num_test, num_classes).clone()


def logistic_regression_probabilities(
    train_x: Tensor,
    train_y: Tensor,
    test_x: Tensor,
    num_classes: int,
    *,
    seed: int = 0,
    max_train_examples: int = 10_000,
    max_iter: int = 100,
) -> Tensor:
    """Test probabilities of multinomial logistic regression fitted on (a subsample of) the
    training split; see the module docstring for the limits that keep it fast."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    if len(train_y) > max_train_examples:
        chosen = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(seed))
        chosen = chosen[:max_train_examples]
        train_x, train_y = train_x.index_select(0, chosen), train_y.index_select(0, chosen)
    features = train_x.detach().cpu().reshape(len(train_x), -1).to(torch.float32).numpy()
    labels = train_y.detach().cpu().numpy()
    classes = torch.unique(train_y.cpu())
    probabilities = torch.zeros(len(test_x), num_classes, dtype=torch.float64)
    if len(classes) == 1:  # nothing to separate: certain of the only class seen
        probabilities[:, int(classes[0])] = 1.0
        return probabilities
    model = LogisticRegression(max_iter=max_iter, random_state=seed)
    test_features = test_x.detach().cpu().reshape(len(test_x), -1).to(torch.float32).numpy()
    # One BLAS thread: L-BFGS makes many small products, and OpenBLAS's threads spinning
    # beside torch's (or other processes) made the MNIST fit 24 s instead of 3 s on 2 cores.
    with threadpool_limits(limits=1, user_api="blas"), warnings.catch_warnings():
        # the iteration cap is deliberate (a baseline, not a tuned model)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(features, labels)
        fitted = torch.from_numpy(model.predict_proba(test_features)).to(torch.float64)
    probabilities[:, torch.from_numpy(model.classes_).long()] = fitted
    return probabilities


def fit_baselines(
    train_x: Tensor,
    train_y: Tensor,
    test_x: Tensor,
    num_classes: int,
    *,
    seed: int = 0,
    max_train_examples: int = 10_000,
    max_iter: int = 100,
) -> dict[str, Tensor]:
    """{"majority": ..., "logreg": ...}: (n_test, K) test probabilities of each baseline."""
    _check(train_x, train_y, test_x, num_classes)
    return {
        "majority": majority_probabilities(train_y, len(test_x), num_classes),
        "logreg": logistic_regression_probabilities(
            train_x,
            train_y,
            test_x,
            num_classes,
            seed=seed,
            max_train_examples=max_train_examples,
            max_iter=max_iter,
        ),
    }
