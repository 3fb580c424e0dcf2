"""One builder for what a `TrainConfig` trains: model (with its initialisation), optimizer and
schedule, in that order. `learnlab train` builds them for real; `--dry-run` builds the same on
PyTorch's meta device (shapes, no storage), so the two cannot disagree about a configuration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from learnlab.config import TrainConfig


@dataclass
class TrainingParts:
    model: nn.Module
    optimizer: torch.optim.Optimizer
    schedule: torch.optim.lr_scheduler.LRScheduler


def build_model_for(
    config: TrainConfig, input_shape: tuple[int, ...], num_outputs: int
) -> nn.Module:
    """The config's model for examples of `input_shape`, initialised as `config.init` says."""
    from learnlab.models import build_model
    from learnlab.models.inputs import check_model_fits
    from learnlab.train.init import initialize

    # a model that cannot take this data set's examples: say which models fit, before building
    # (`check_fits_data` says it first in a run and a dry run; `learnlab doctor` comes here)
    check_model_fits(config.model, config.dataset, tuple(input_shape), bool(config.model_options))
    model = build_model(config.model, input_shape, num_outputs, **config.model_options)
    return initialize(model, config.init)


def build_training_parts(
    config: TrainConfig,
    input_shape: tuple[int, ...],
    num_outputs: int,
    *,
    steps_per_epoch: int,
    device: torch.device | str = "cpu",
    extra_parameters: Iterable[nn.Parameter] = (),
    model: nn.Module | None = None,
) -> TrainingParts:
    """Model (the config's, or `model` when given), optimizer (over the model's parameters and
    `extra_parameters`, e.g. an objective's own modules) and per-step schedule for
    `config.epochs * steps_per_epoch` steps. A bad option raises the ConfigError a run would."""
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.schedules import build_schedule

    if model is None:
        model = build_model_for(config, input_shape, num_outputs)
    model = model.to(device)
    optimizer = build_optimizer(
        config.optimizer,
        [*model.parameters(), *extra_parameters],
        lr=config.lr,
        weight_decay=config.weight_decay,
        momentum=config.momentum,
        options=config.optimizer_options,
    )
    schedule = build_schedule(
        config.schedule,
        optimizer,
        total_steps=config.epochs * steps_per_epoch,
        options=config.schedule_options,
    )
    return TrainingParts(model, optimizer, schedule)
