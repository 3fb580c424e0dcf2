"""A rich progress bar per epoch, and one summary line per finished epoch."""

from __future__ import annotations

import time

from learnlab.train.events import Callback


def format_record(record: dict[str, float]) -> str:
    parts = [f"epoch {int(record['epoch'])}"]
    for key, value in record.items():
        if key in ("epoch", "seconds"):
            continue
        if key.endswith("accuracy"):
            parts.append(f"{key} {100 * value:.2f}%")
        elif key == "lr":
            parts.append(f"lr {value:.3g}")
        else:
            parts.append(f"{key} {value:.4f}")
    parts.append(f"{record.get('seconds', 0.0):.1f}s")
    return "  ".join(parts)


class ProgressBar(Callback):
    """Shows batches done, throughput and the running loss (read at most 5 times a second)."""

    order = 90

    def __init__(self, console=None, refresh_seconds: float = 0.2) -> None:
        self.console = console
        self.refresh_seconds = refresh_seconds
        self._progress = None
        self._task = None
        self._last = 0.0

    def before_fit(self, trainer) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.console = self.console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self._progress.start()

    def before_epoch(self, trainer) -> None:
        total = len(trainer.train_loader)
        self._task = self._progress.add_task(
            "train",
            total=total,
            completed=trainer.batch_in_epoch,
            epoch=trainer.epoch + 1,
            epochs=trainer.epochs,
            loss="-",
        )

    def after_batch(self, trainer) -> None:
        now = time.monotonic()
        if now - self._last >= self.refresh_seconds and trainer.loss is not None:
            self._last = now
            self._progress.update(
                self._task,
                completed=trainer.batch_in_epoch,
                loss=f"{float(trainer.loss.detach()):.4f}",
            )
        else:
            self._progress.update(self._task, completed=trainer.batch_in_epoch)

    def after_epoch(self, trainer) -> None:
        self._progress.remove_task(self._task)
        self.console.print(format_record(trainer.history[-1]), soft_wrap=True)

    def after_fit(self, trainer) -> None:
        if self._progress is not None:
            self._progress.stop()
