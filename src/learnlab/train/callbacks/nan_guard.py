"""Catch a NaN or infinite loss at the step it occurs, before it can reach the weights.

The guard reads the loss right after the forward pass (event after_loss), before backward and
the optimizer step, so a non-finite loss never updates a parameter, a moment buffer or the
schedule. Two policies:

- "stop" (the default): raise TrainingDiverged naming the epoch, the batch and the global
  step. The checkpointer writes nothing after an error, so the last good checkpoint on disk
  is the state before the bad step.
- "skip": cancel that batch (no backward, no step; it is left out of the epoch's metrics),
  count it, log a warning naming the step, and go on; after `max_consecutive_skips` bad
  batches in a row the run stops anyway with TrainingDiverged, since the weights themselves
  are then most likely broken.

One host read of the loss per batch: microseconds on the CPU.
"""

from __future__ import annotations

import logging
import math
from typing import Literal

from learnlab.io.errors import TrainingDiverged
from learnlab.train.events import Callback, CancelBatch

log = logging.getLogger(__name__)

NAN_POLICIES = ("stop", "skip")
_ADVICE = (
    "Try a smaller learning rate (--lr), gradient clipping (--set grad_clip=1.0), "
    "or a schedule that warms up (--set schedule=onecycle)."
)


class NanGuard(Callback):
    """Stops (or skips the batch) when the loss is NaN or infinite; see the module docstring.

    Attributes: skipped (batches skipped in this fit, resumed runs included), skipped_batches
    ([epoch, batch], both 1-based, of each), consecutive (the current streak of bad batches).
    """

    order = 10

    def __init__(
        self, policy: Literal["stop", "skip"] = "stop", max_consecutive_skips: int = 10
    ) -> None:
        if policy not in NAN_POLICIES:
            raise ValueError(f"unknown NaN policy {policy!r}; use one of {NAN_POLICIES}")
        if max_consecutive_skips < 1:
            raise ValueError(f"max_consecutive_skips must be >= 1, got {max_consecutive_skips}")
        self.policy = policy
        self.max_consecutive_skips = max_consecutive_skips
        self.skipped = 0
        self.skipped_batches: list[list[int]] = []
        self.consecutive = 0

    def _where(self, trainer, value: float) -> str:
        lr = trainer.optimizer.param_groups[0]["lr"]
        # the step that would have been taken: trainer.step counts the steps already done
        return (
            f"the loss became {value} at epoch {trainer.epoch + 1}, batch "
            f"{trainer.batch_in_epoch + 1} (global step {trainer.step + 1}), "
            f"learning rate {lr:g}"
        )

    def after_loss(self, trainer) -> None:
        value = trainer.loss.item()  # no detach needed: item() reads the number only
        if math.isfinite(value):
            self.consecutive = 0
            return
        where = self._where(trainer, value)
        if self.policy == "stop":
            raise TrainingDiverged(
                f"{where}; training stopped before that step, so the weights were not "
                f"updated with it and the last good checkpoint is kept.\n{_ADVICE}"
            )
        self.skipped += 1
        self.consecutive += 1
        self.skipped_batches.append([trainer.epoch + 1, trainer.batch_in_epoch + 1])
        if self.consecutive >= self.max_consecutive_skips:
            raise TrainingDiverged(
                f"{where}: {self.consecutive} non-finite losses in a row (nan_policy 'skip' "
                f"stops at {self.max_consecutive_skips}); training stopped, the last good "
                f"checkpoint is kept ({self.skipped} batches skipped in all).\n{_ADVICE}"
            )
        log.warning("%s; skipped this batch (%d skipped so far).", where, self.skipped)
        raise CancelBatch

    def state_dict(self) -> dict:
        return {
            "skipped": self.skipped,
            "skipped_batches": [list(b) for b in self.skipped_batches],
            "consecutive": self.consecutive,
        }

    def load_state_dict(self, state: dict) -> None:
        self.skipped = int(state.get("skipped", 0))
        self.skipped_batches = [[int(e), int(b)] for e, b in state.get("skipped_batches", [])]
        self.consecutive = int(state.get("consecutive", 0))
