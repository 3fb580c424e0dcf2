"""The callbacks of `learnlab train` (learnlab.pipeline.train_job), in the documented order of
learnlab.train.events; in a multi-process run only rank 0's write files or show progress."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from learnlab import runs
from learnlab.config import TrainConfig

if TYPE_CHECKING:
    from learnlab.train.threads import ThreadChoice


def train_callbacks(
    config: TrainConfig, run_path: Path, console, threads: ThreadChoice, leader: bool = True
) -> list:
    """The callbacks of `learnlab train`, in the documented order of learnlab.train.events."""
    from learnlab.train.callbacks import (
        Checkpointer,
        EarlyStopping,
        GradientClipping,
        LossCurve,
        MetricsLog,
        NanGuard,
        ProgressBar,
    )

    resolved = config.model_dump()
    callbacks = [
        NanGuard(config.nan_policy),
        MetricsLog(run_path / runs.METRICS_FILE),
        LossCurve(),
    ]
    if config.grad_clip is not None:
        callbacks.append(GradientClipping(config.grad_clip))
    if config.early_stopping_patience is not None:
        callbacks.append(EarlyStopping("val_loss", patience=config.early_stopping_patience))
    callbacks.append(
        Checkpointer(
            run_path / runs.CHECKPOINT_FILE,
            every_batches=config.checkpoint_every_batches,
            every_seconds=config.checkpoint_every_seconds,
            extra=lambda: {"config": resolved, "threads": threads.to_json()},
        )
    )
    if config.progress and leader:
        callbacks.append(ProgressBar(console))
    if not leader:  # the other ranks of a multi-process run write nothing
        callbacks = [c for c in callbacks if not isinstance(c, (MetricsLog, Checkpointer))]
    if config.logger != "none" and leader:
        from learnlab.train.callbacks.scalar_log import scalar_logger

        callbacks.append(scalar_logger(config.logger, run_path, params=resolved))
        console.print(f"logging the run's scalars to {callbacks[-1].sink.where}")
    return callbacks
