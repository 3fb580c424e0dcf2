"""The thread count of a training run (learnlab.train.threads): the one set, the
environment's, one chosen by timing the run's own model, optimizer and objective on a batch of
its training data, or, on `--resume`, the count the run started with (the count can change the
last bits of float sums, and a resumed run ends bit-identical to an uninterrupted one).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import torch

from learnlab.config import TrainConfig
from learnlab.data.dataset import Dataset, Split
from learnlab.machine import CpuSample
from learnlab.pipeline.build import TrainingParts
from learnlab.train.threads import ThreadChoice


def calibration_key(
    config: TrainConfig, input_shape: tuple[int, ...], num_outputs: int
) -> dict[str, Any]:
    """What a training step's timing depends on besides the idle cores."""
    from learnlab.machine import cpu_model, usable_cores

    return {
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "torch": torch.__version__,
        "model": config.model,
        "model_options": config.model_options,
        "optimizer": config.optimizer,
        "input_shape": list(input_shape),
        "num_outputs": num_outputs,
        "batch_size": config.batch_size,
    }


def choose_run_threads(
    config: TrainConfig,
    started: CpuSample,
    checkpoint_state: Mapping[str, Any] | None,
    parts: TrainingParts,
    objective,
    train: Split,
    dataset: Dataset,
) -> ThreadChoice:
    """The thread count of `learnlab train`'s run: on resume the one it started with (in
    `checkpoint_state`), else chosen from the cores idle since `started` and, where there is a
    choice, timed steps of copies of the model on its first `batch_size` training examples."""
    stored = checkpoint_state["extra"].get("threads") if checkpoint_state is not None else None
    if stored is not None:
        return resumed_threads(config, stored)
    device = next(parts.model.parameters(), torch.empty(0)).device
    n = config.batch_size
    return run_threads(
        config,
        since=started,
        model=parts.model,
        objective=objective,
        optimizer=parts.optimizer,
        batch=(train.x[:n].to(device), train.y[:n].to(device)),
        input_shape=dataset.input_shape,
        num_outputs=dataset.num_outputs,
        run_steps=config.epochs * math.ceil(len(train) / config.batch_size),
    )


def resumed_threads(config: TrainConfig, stored: Mapping[str, Any]) -> ThreadChoice:
    """The count a resumed run trains with: the one it started with (stored in its
    checkpoint), unless the config now sets another number."""
    started = ThreadChoice.from_json(stored)
    if isinstance(config.threads, int) and config.threads != started.threads:
        return ThreadChoice(
            config.threads,
            "set",
            f"set: threads={config.threads}; the run started with {started.threads}, so its "
            "numbers may differ in the last bits from an uninterrupted run's",
        )
    return dataclasses.replace(started, resumed=True)


def run_threads(
    config: TrainConfig,
    *,
    since: CpuSample,
    model: torch.nn.Module,
    objective,
    optimizer: torch.optim.Optimizer,
    batch: Any,
    input_shape: tuple[int, ...],
    num_outputs: int,
    run_steps: int | None = None,
) -> ThreadChoice:
    """The count for a fresh run: `config.threads`, the environment's, or chosen from the
    cores idle since `since` and, where there is a choice, timed training steps of copies of
    `model`, `objective` and `optimizer` on `batch` (cached; see learnlab.train.threads), the
    timing kept to a small part of a run of `run_steps` steps."""
    from learnlab.train.thread_cache import ThreadCache
    from learnlab.train.thread_calibration import seconds_per_step
    from learnlab.train.threads import choose_threads_here

    def measure(counts: list[int]) -> dict[int, float]:
        try:
            return seconds_per_step(model, objective, optimizer, batch, counts, run_steps=run_steps)
        except Exception:  # a step that fails fails again in training, where the run
            return {}  # reports it as usual: the timing is only an optimisation

    on_cpu = next(model.parameters(), torch.empty(0)).device.type == "cpu"
    return choose_threads_here(
        config.threads,
        since=since,
        measure=measure if on_cpu else None,
        cache=ThreadCache.default(),
        key=calibration_key(config, input_shape, num_outputs),
    )
