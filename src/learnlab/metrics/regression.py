"""Regression metrics and the baselines every regression result is shown beside.

- `r2_score`: the coefficient of determination 1 - SS_res / SS_tot, SS_tot about the mean of
  the true targets, pooled over all output columns as scikit-learn's
  `r2_score(..., multioutput="variance_weighted")` (for one column: its plain R^2);
  0 is predicting the test mean, 1 is perfect, below 0 worse than the test mean.
- `fit_regression_baselines`: the training mean (a constant) and ordinary least squares with
  an intercept (the closed form, solved by `torch.linalg.lstsq` in float64), each fitted on
  the training split and predicting the test inputs.

Example:
    >>> import torch
    >>> x = torch.tensor([[0.0], [1.0], [2.0], [3.0]])
    >>> y = 2 * x + 1
    >>> round(r2_score(y, fit_regression_baselines(x, y, x)["linear"]), 6)
    1.0
"""

from __future__ import annotations

import torch
from torch import Tensor

from learnlab.io.errors import DataError

BASELINE_NAMES = {"linear": "linear regression", "mean": "training mean"}


def _columns(values: Tensor) -> Tensor:
    """(N,) or (N, ...) as float64 (N, K)."""
    return values.detach().to(torch.float64).reshape(len(values), -1)


def mean_squared_error(y_true: Tensor, y_pred: Tensor) -> float:
    """The mean over examples and output columns of (y_true - y_pred)^2."""
    t, p = _columns(y_true), _columns(y_pred)
    if t.shape != p.shape:
        raise DataError(f"targets {tuple(t.shape)} and predictions {tuple(p.shape)} differ.")
    return float(((t - p) ** 2).mean())


def r2_score(y_true: Tensor, y_pred: Tensor) -> float:
    """1 - sum (y - y_hat)^2 / sum (y - mean(y))^2, the sums pooled over output columns
    (scikit-learn's multioutput="variance_weighted"); needs >= 2 examples whose targets
    are not all equal."""
    t, p = _columns(y_true), _columns(y_pred)
    if t.shape != p.shape:
        raise DataError(f"targets {tuple(t.shape)} and predictions {tuple(p.shape)} differ.")
    total = ((t - t.mean(dim=0)) ** 2).sum()
    if len(t) < 2 or not total > 0:
        raise DataError("R^2 needs at least two test examples whose targets differ.")
    return float(1 - ((t - p) ** 2).sum() / total)


def linear_regression_predictions(train_x: Tensor, train_y: Tensor, test_x: Tensor) -> Tensor:
    """Least squares with an intercept, fitted on (train_x, train_y), predicting test_x;
    float32 with the shape of one training target per test example."""
    x, y = _columns(train_x), _columns(train_y)
    design = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    # gelsd: the minimum-norm solution, so collinear features (or N < D) still have an answer
    weights = torch.linalg.lstsq(design, y, driver="gelsd").solution
    test = _columns(test_x)
    predictions = torch.cat([test, torch.ones(len(test), 1, dtype=torch.float64)], 1) @ weights
    return predictions.to(torch.float32).reshape(len(test), *train_y.shape[1:])


def fit_regression_baselines(train_x: Tensor, train_y: Tensor, test_x: Tensor) -> dict[str, Tensor]:
    """Test predictions of the baselines ("linear", "mean"), fitted on the training split."""
    if len(train_x) != len(train_y) or len(train_x) == 0:
        raise DataError(
            f"the baselines need as many training targets as inputs (> 0), got "
            f"{len(train_x)} inputs and {len(train_y)} targets."
        )
    mean = _columns(train_y).mean(dim=0).to(torch.float32)
    constant = mean.expand(len(test_x), -1).reshape(len(test_x), *train_y.shape[1:])
    return {
        "linear": linear_regression_predictions(train_x, train_y, test_x),
        "mean": constant.clone(),
    }
