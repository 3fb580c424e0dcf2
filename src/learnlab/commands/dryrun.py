"""Dry runs: check a whole configuration without loading data or training anything.

`learnlab train --dry-run` and `learnlab run NAME --dry-run` validate the configuration
(types, ranges, names), then build what a run would build from it, in the same order:

    model (with its options, on the data set's example shape) -> initialisation ->
    optimizer (with its options) -> schedule (with its options)

on PyTorch's "meta" device, where tensors have shapes but no storage, so that even a huge
model costs no memory. The data set's shapes come from `DATASET_SHAPES` below, not from its
files (tests/reliability/test_reliability_dryrun.py checks them against `load_dataset`).
What depends on the data's contents (a learning curve's sizes against the examples
available) is checked only when the run loads the data.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any

from learnlab.config import StrictModel, TrainConfig, check_fits_data


@dataclass(frozen=True)
class DataShapes:
    input_shape: tuple[int, ...]  # one example
    num_outputs: int
    train_examples: int  # before a validation split is held out of them
    has_val: bool  # the data set ships its own validation split


# the built-in data sets; a data set missing here is dry-run without building the model
DATASET_SHAPES: dict[str, DataShapes] = {
    "digits": DataShapes((1, 8, 8), 10, 1437, False),
    "fashion-mnist": DataShapes((1, 28, 28), 10, 60_000, False),
    "mnist": DataShapes((1, 28, 28), 10, 60_000, False),
    "mnist1d": DataShapes((1, 40), 10, 4000, False),
    "tiny-shakespeare": DataShapes((), 65, 1_003_853, False),
    "usps": DataShapes((1, 16, 16), 10, 7291, False),
}


def check_train_config(config: TrainConfig) -> dict[str, Any]:
    """Build the model, optimizer and schedule of `config` on the meta device; raise the
    ConfigError a real run would. Returns what was checked (for the console)."""
    import torch

    from learnlab.models import build_model
    from learnlab.train.init import initialize
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.schedules import build_schedule

    shapes = DATASET_SHAPES.get(config.dataset)
    if shapes is None:
        return {"dataset": config.dataset, "model_built": False}
    check_fits_data(config, shapes.input_shape, shapes.has_val or config.val_fraction > 0)
    with torch.device("meta"):
        model = build_model(
            config.model, shapes.input_shape, shapes.num_outputs, **config.model_options
        )
        model = initialize(model, config.init)
    optimizer = build_optimizer(
        config.optimizer,
        list(model.parameters()),
        lr=config.lr,
        weight_decay=config.weight_decay,
        momentum=config.momentum,
        options=config.optimizer_options,
    )
    build_schedule(
        config.schedule,
        optimizer,
        total_steps=config.epochs * steps_per_epoch(config, shapes),
        options=config.schedule_options,
    )
    parameters = sum(p.numel() for p in model.parameters())
    return {"dataset": config.dataset, "model_built": True, "parameters": parameters}


def steps_per_epoch(config: TrainConfig, shapes: DataShapes) -> int:
    """Batches per epoch, as learnlab.pipeline.prepare_data will split the data."""
    examples = shapes.train_examples
    if not shapes.has_val and config.val_fraction > 0:
        examples -= max(1, round(config.val_fraction * examples))
    if config.limit_train is not None:
        examples = min(examples, config.limit_train)
    return max(1, math.ceil(examples / config.batch_size))


def recipe_train_configs(name: str, config: StrictModel) -> list[TrainConfig]:
    """The `learnlab train` configurations a recipe derives from its own (each seed's run,
    each learning-curve point's...), as the recipe declares them at registration; building
    them validates them. A recipe that declares none has only its own config checked."""
    from learnlab.recipes import get_recipe

    derive = get_recipe(name).train_configs
    return list(derive(config)) if derive is not None else []


def report(resolved: dict[str, Any], checked: list[dict[str, Any]]) -> None:
    """Print the resolved configuration as JSON on stdout, one line per check on stderr."""
    import json

    for entry in {json.dumps(entry, sort_keys=True): entry for entry in checked}.values():
        if entry["model_built"]:
            what = f"model, optimizer and schedule built ({entry['parameters']:,} parameters)"
        else:
            what = "model not built (shapes of this data set unknown until it is loaded)"
        print(f"dry run: {entry['dataset']}: {what}", file=sys.stderr)
    print("dry run: the configuration is valid; nothing was trained or written", file=sys.stderr)
    print(json.dumps(resolved, indent=2))
