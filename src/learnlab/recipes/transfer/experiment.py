"""The transfer recipe's two parts per seed: the MNIST source network, then every target run
(each k, discriminative learning rates, gradual unfreezing, scratch) on each number of labelled
USPS examples. Every training phase goes through `learnlab.procedures` (the Trainer)."""

from __future__ import annotations

import copy
import math
import time
from typing import Any

import torch
from torch import nn

from learnlab.recipes.transfer.config import IMAGE_SHAPE, TransferConfig
from learnlab.recipes.transfer.data import Images, TransferData, error_rate, labelled_examples
from learnlab.result import Result, SavedModel

NAME = "transfer"
SOURCE_BATCH = 64


def _loader(images: Images, batch_size: int, seed: int):
    from learnlab.data.loader import TensorLoader

    return TensorLoader(images.x, images.y, batch_size=batch_size, seed=seed)


def train_source(config: TransferConfig, data: TransferData, seed: int) -> Result:
    """The network trained on MNIST (16x16) with Adam, kept as model.safetensors."""
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage, train_stage

    start = time.perf_counter()
    torch.manual_seed(seed)
    model = config.build_model()
    phase = train_stage(
        model,
        CrossEntropy(),
        _loader(data.source, SOURCE_BATCH, seed),
        Stage(epochs=config.source_epochs, optimizer="adam", lr=config.lr),
        name="mnist",
    )
    info = {
        "model": config.model,
        "options": dict(config.model_options),
        "input_shape": list(IMAGE_SHAPE),
        "num_outputs": 10,
        "dataset": "mnist (central 20x20 resized to 16x16)",
    }
    summary = {
        "seed": seed,
        "mnist_test_error": error_rate(model, data.source_test),
        "usps_test_error": error_rate(model, data.test),
        "source_seconds": time.perf_counter() - start,
    }
    return Result(
        kind=f"{NAME}-source",
        title=f"{NAME}: the MNIST network, seed {seed}",
        summary=summary,
        history=[dict(r) for r in phase.history],
        models={"model": SavedModel(model, info)},
        report=False,
    )


def variants(config: TransferConfig) -> list[tuple[str, dict[str, Any]]]:
    """(row name, fine_tune arguments) of every target run; "scratch" starts from random."""
    rows = [(f"k={k}", {"k": k}) for k in config.frozen_counts()]
    rows.append(("discriminative", {"k": 0, "decay": config.decay}))
    rows.append(("gradual", {"k": 0, "gradual": True}))
    rows.append(("scratch", {"k": 0}))
    return rows


def train_targets(
    config: TransferConfig, data: TransferData, source: nn.Module, seed: int
) -> Result:
    """Every variant on each number of labelled examples: USPS validation and test errors."""
    start = time.perf_counter()
    summary: dict[str, Any] = {"seed": seed}
    for per_class in config.examples_per_class:
        labelled = labelled_examples(data.pool, per_class, seed)
        for row, arguments in variants(config):
            model = _start(config, source, seed, scratch=row == "scratch")
            _fit(config, model, labelled, seed, arguments)
            key = f"n{10 * per_class}_{row.replace('=', '')}"
            summary[f"{key}_val_error"] = error_rate(model, data.val)
            summary[f"{key}_test_error"] = error_rate(model, data.test)
    summary["target_seconds"] = time.perf_counter() - start
    return Result(
        kind=f"{NAME}-targets",
        title=f"{NAME}: USPS runs, seed {seed}",
        summary=summary,
        report=False,
    )


def _start(config: TransferConfig, source: nn.Module, seed: int, *, scratch: bool) -> nn.Module:
    if not scratch:
        return copy.deepcopy(source)
    torch.manual_seed(seed + 10_000)  # another draw than the source network's
    return config.build_model()


def _fit(
    config: TransferConfig, model: nn.Module, labelled: Images, seed: int, arguments: dict
) -> None:
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage
    from learnlab.procedures.transfer import fine_tune, model_layers

    loader = _loader(labelled, config.batch_size, seed)
    epochs = math.ceil(config.steps / len(loader))
    extra = {}
    if arguments.get("gradual"):
        # the first half of the epochs adds the layers one by one, the second trains them all
        extra["epochs_per_layer"] = max(1, epochs // (2 * max(1, len(model_layers(model)) - 1)))
        epochs = max(epochs, (len(model_layers(model)) - 1) * extra["epochs_per_layer"] + 1)
    stage = Stage(epochs=epochs, optimizer="adam", lr=config.lr)
    fine_tune(model, CrossEntropy(), loader, stage, **arguments, **extra)
