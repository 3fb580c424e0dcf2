"""Early stopping: end training when a validation metric has not improved for `patience`
epochs (the model selection by held-out error of Goodfellow, Bengio, Courville 2016, 7.8),
or any recorded metric, e.g. the training loss to train "until it ceases to improve".

An epoch improves on the best value when it beats it by more than `min_delta` plus
`relative_delta` times the best's magnitude (a relative threshold suits a loss that falls
by orders of magnitude)."""

from __future__ import annotations

import math

from learnlab.train.events import Callback, CancelFit


class EarlyStopping(Callback):
    order = 60

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 3,
        min_delta: float = 0.0,
        mode: str = "min",
        relative_delta: float = 0.0,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', not {mode!r}")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.relative_delta = relative_delta
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = 0
        self.wait = 0
        self.stopped_epoch: int | None = None

    def _improved(self, value: float) -> bool:
        if math.isinf(self.best):  # the first epoch
            return value < self.best if self.mode == "min" else value > self.best
        margin = self.min_delta + self.relative_delta * abs(self.best)
        if self.mode == "min":
            return value < self.best - margin
        return value > self.best + margin

    def before_fit(self, trainer) -> None:
        if self.stopped_epoch is not None:  # a run resumed after it stopped: nothing to train
            raise CancelFit

    def after_epoch(self, trainer) -> None:
        record = trainer.history[-1]
        if self.monitor not in record:
            raise KeyError(
                f"early stopping monitors {self.monitor!r}, which this run does not record; "
                f"recorded: {', '.join(sorted(record))}"
            )
        value = record[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, int(record["epoch"]), 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = int(record["epoch"])
            raise CancelFit

    def state_dict(self) -> dict:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "stopped_epoch": self.stopped_epoch,
        }

    def load_state_dict(self, state: dict) -> None:
        for key, value in state.items():
            setattr(self, key, value)
