"""Model selection on the labelled USPS validation split (never the test set): after each
epoch the model is scored on the validation images and the best epoch's weights are kept;
at the end of training the model gets them back. The same rule serves every method, so
source only, DANN and target only are each compared at their own best validated epoch."""

from __future__ import annotations

import copy
from typing import Any

import torch

from learnlab.recipes.transfer.data import Images, error_rate
from learnlab.train.events import Callback


class KeepBestOnValidation(Callback):
    """Keep the weights of the epoch with the highest accuracy on `val` (the first such
    epoch on ties); `after_fit` puts them back into the model. With no validation images
    the model keeps its last weights."""

    order = 65  # after the metric history (50), before checkpointing (70)

    def __init__(self, val: Images) -> None:
        self.val = val
        self.best_accuracy = -1.0
        self.best_epoch = 0
        self.curve: list[float] = []
        self._best_state: dict[str, Any] | None = None

    def after_epoch(self, trainer: Any) -> None:
        if len(self.val.y) == 0:
            return
        with torch.no_grad():
            accuracy = 1.0 - error_rate(trainer.model, self.val)
        self.curve.append(accuracy)
        if accuracy > self.best_accuracy:
            self.best_accuracy, self.best_epoch = accuracy, len(self.curve)
            self._best_state = copy.deepcopy(trainer.model.state_dict())

    def after_fit(self, trainer: Any) -> None:
        if self._best_state is not None and trainer.error is None:
            trainer.model.load_state_dict(self._best_state)

    def state_dict(self) -> dict:
        return {"best_accuracy": self.best_accuracy, "best_epoch": self.best_epoch,
                "curve": list(self.curve)}  # fmt: skip
