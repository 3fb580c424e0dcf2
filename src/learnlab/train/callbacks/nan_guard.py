"""Stop a run whose loss became NaN or infinite, with a message that says what to try."""

from __future__ import annotations

import math

from learnlab.errors import TrainingDiverged
from learnlab.train.events import Callback


class NanGuard(Callback):
    """Checks every batch's loss (one host read per batch, microseconds on the CPU)."""

    order = 10

    def after_loss(self, trainer) -> None:
        value = trainer.loss.item()  # no detach needed: item() reads the number only
        if math.isfinite(value):
            return
        lr = trainer.optimizer.param_groups[0]["lr"]
        raise TrainingDiverged(
            f"the loss became {value} at epoch {trainer.epoch + 1}, batch "
            f"{trainer.batch_in_epoch + 1} (optimizer step {trainer.step + 1}), "
            f"learning rate {lr:g}; training stopped.\n"
            "Try a smaller learning rate (--lr), gradient clipping (--set grad_clip=1.0), "
            "or a schedule that warms up (--set schedule=onecycle)."
        )
