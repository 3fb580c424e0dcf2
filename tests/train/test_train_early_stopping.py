"""EarlyStopping on any recorded metric with a relative threshold: a loss falling by less than
`relative_delta` of its best value counts as no improvement."""

from __future__ import annotations

import pytest

from learnlab.train.callbacks import EarlyStopping
from learnlab.train.events import CancelFit


class History:
    """What EarlyStopping reads of a trainer: its per-epoch records."""

    def __init__(self) -> None:
        self.history: list[dict[str, float]] = []


def epochs_until_stopped(stopper: EarlyStopping, losses: list[float]) -> int | None:
    trainer = History()
    for epoch, loss in enumerate(losses, start=1):
        trainer.history.append({"epoch": epoch, "train_loss": loss})
        try:
            stopper.after_epoch(trainer)
        except CancelFit:
            return epoch
    return None


def test_a_relative_threshold_stops_a_loss_that_falls_ever_more_slowly():
    # each epoch falls by half the previous fall: 1, 0.5, 0.25 ... of 1e-2 relative, and so on
    losses = [1.0]
    for epoch in range(1, 30):
        losses.append(losses[-1] * (1 - 0.1 * 0.5**epoch))
    stopper = EarlyStopping("train_loss", patience=2, relative_delta=1e-3)
    # the falls are 5%, 2.5%, 1.25%, 0.63%, 0.31%, 0.16%, 0.08% (epoch 8), 0.04% (epoch 9):
    # epoch 8 does not improve, epoch 9 does (0.12% below the best, epoch 7's), and all the
    # later falls together are 0.04%, so epochs 10 and 11 do not
    assert epochs_until_stopped(stopper, losses) == 11
    assert stopper.best == pytest.approx(losses[8]) and stopper.best_epoch == 9
    # with no threshold any fall is an improvement: it never stops
    assert epochs_until_stopped(EarlyStopping("train_loss", patience=2), losses) is None


def test_the_relative_threshold_scales_with_the_loss():
    # a fall of 0.2% improves at any scale; 0.05% does not
    for scale in (1.0, 1e-4):
        stopper = EarlyStopping("train_loss", patience=1, relative_delta=1e-3)
        assert epochs_until_stopped(stopper, [scale, scale * 0.998, scale * 0.9995]) == 3
