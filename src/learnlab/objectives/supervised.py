"""Supervised objectives: cross-entropy for classification, mean squared error for regression.

Cross-entropy is the negative log-likelihood of the softmax output (the maximum-likelihood
objective for a categorical label); MSE is the Gaussian negative log-likelihood up to constants.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from learnlab.objectives.base import Objective
from learnlab.objectives.per_example import PerExample


class CrossEntropy(Objective):
    """Mean cross-entropy of the logits against integer labels; reports accuracy (per example)."""

    metric_names = ("accuracy",)

    def __init__(self, label_smoothing: float = 0.0) -> None:
        self.label_smoothing = label_smoothing

    def __call__(self, model, batch):
        x, y = batch[0], batch[1]
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=self.label_smoothing)
        return loss, {"accuracy": accuracy_metric(logits, y)}


# Up to this many classes the logits are kept for the epoch's accuracy (N x C floats).
KEEP_LOGITS_UP_TO = 32


def correct(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Per example: is the top class the label? (bool; argmax takes the first of ties)"""
    return logits.argmax(dim=1) == y


def accuracy_metric(logits: torch.Tensor, y: torch.Tensor):
    """The accuracy of a batch in the cheapest form for the training loop (epoch_metrics):
    with few classes the detached logits are kept and their argmax taken once per epoch (no op
    per batch); with many, `argmax == y` per batch (two ops, N booleans kept)."""
    if logits.dim() == 2 and logits.shape[1] <= KEEP_LOGITS_UP_TO:
        return PerExample(correct, logits.detach(), y)
    return correct(logits, y)


class MeanSquaredError(Objective):
    """Mean squared error between outputs and real-valued targets (shapes must agree)."""

    def __call__(self, model, batch):
        x, y = batch[0], batch[1]
        out = model(x)
        return F.mse_loss(out, y.reshape(out.shape).to(out.dtype)), {}


def objective_for_task(task: str) -> Objective:
    """The default supervised objective of a data set's task."""
    from learnlab.io.errors import ConfigError

    if task == "classification":
        return CrossEntropy()
    if task == "regression":
        return MeanSquaredError()
    raise ConfigError(
        f"no supervised objective for a {task!r} data set yet.\n"
        "`learnlab train` handles classification and regression data sets "
        "(mnist, fashion-mnist, usps, digits, mnist1d)."
    )
