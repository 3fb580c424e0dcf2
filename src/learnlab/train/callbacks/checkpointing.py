"""Resumable checkpoints: every `every_batches` batches and/or `every_seconds`, at the end of
every epoch and at the end of the fit. Writes are atomic (see learnlab.train.checkpoint).

When a fit starts (fresh or resumed) the temporary files that killed atomic writes left in the
checkpoint's folder (the run directory) are deleted: a run killed during a checkpoint write
leaves a checkpoint-sized `.checkpoint.safetensors.XXXXXXXX.tmp`, never read, only wasting disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from learnlab.io.atomic import remove_stale_temp_files
from learnlab.train.checkpoint import save_state
from learnlab.train.events import Callback


class Checkpointer(Callback):
    order = 70

    def __init__(
        self,
        path: Path,
        every_batches: int | None = None,
        every_seconds: float | None = 60.0,
        extra: Callable[[], dict] | None = None,
    ) -> None:
        self.path = Path(path)
        self.every_batches = every_batches
        self.every_seconds = every_seconds
        self.extra = extra  # plain data stored beside the trainer state (e.g. the config)
        self._last = time.monotonic()

    def save(self, trainer) -> None:
        state = {"trainer": trainer.state_dict(), "extra": self.extra() if self.extra else {}}
        save_state(self.path, state)
        self._last = time.monotonic()

    def before_fit(self, trainer) -> None:
        if self.path.parent.is_dir():
            remove_stale_temp_files(self.path.parent)
        self._last = time.monotonic()

    def after_batch(self, trainer) -> None:
        due = self.every_batches is not None and trainer.batch_in_epoch % self.every_batches == 0
        if not due and self.every_seconds is not None:
            due = time.monotonic() - self._last >= self.every_seconds
        if due:
            self.save(trainer)

    def after_epoch(self, trainer) -> None:
        self.save(trainer)

    def after_fit(self, trainer) -> None:
        # a run stopped by an error keeps its last good checkpoint
        if trainer.error is None:
            self.save(trainer)
