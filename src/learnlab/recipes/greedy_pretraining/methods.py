"""The three ways of training one seed's network, through `learnlab.procedures`:

    end-to-end          all layers from random initialisation, `epochs` epochs
    greedy supervised   procedures.layerwise.greedy_supervised, then fine-tuning
    greedy autoencoder  procedures.layerwise_autoencoder.greedy_autoencoder, then fine-tuning

Each is measured by its test error and its validation error after every epoch of every phase
(the learning curve; an autoencoder phase has no classification error, so None there; a
supervised pre-training phase reports its temporary network's)."""

from __future__ import annotations

import time
from typing import Any

from learnlab.recipes.greedy_pretraining.config import GreedyPretrainingConfig

METHODS = ("end-to-end", "greedy supervised", "greedy autoencoder")


def load_data(config: GreedyPretrainingConfig) -> dict[str, Any]:
    """The first train_size training images, the next val_size as validation, the first
    test_size test images; pixels in [0, 1] (the autoencoders' Bernoulli loss needs them)."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    x, y = ds.train.x.float() / ds.scale, ds.train.y.long()
    end = config.train_size + config.val_size
    return {
        "x_train": x[: config.train_size],
        "y_train": y[: config.train_size],
        "x_val": x[config.train_size : end],
        "y_val": y[config.train_size : end],
        "x_test": ds.test.x[: config.test_size].float() / ds.scale,
        "y_test": ds.test.y[: config.test_size].long(),
    }


def _stage(config: GreedyPretrainingConfig, epochs: int, lr: float):
    from learnlab.procedures.base import Stage

    return Stage(epochs=epochs, optimizer=config.optimizer, lr=lr)


def _phases(method: str, config: GreedyPretrainingConfig, model, train, val, seed: int):
    from learnlab.procedures.base import train_stage
    from learnlab.procedures.layerwise import greedy_supervised
    from learnlab.procedures.layerwise_autoencoder import greedy_autoencoder

    fine = _stage(config, config.fine_tune_epochs, config.lr)
    if method == "end-to-end":
        from learnlab.objectives.supervised import CrossEntropy

        stage = _stage(config, config.epochs, config.lr)
        return (train_stage(model, CrossEntropy(), train, stage, name=method, val_loader=val),)
    if method == "greedy supervised":
        pretrain = _stage(config, config.pretrain_epochs, config.lr)
        result = greedy_supervised(
            model, train, pretrain, fine, freeze_lower=config.freeze_lower, val_loader=val
        )
        return result.phases
    pretrain = _stage(config, config.pretrain_epochs, config.autoencoder_lr)
    result = greedy_autoencoder(
        model, train, pretrain, fine, masking=config.masking, seed=seed, val_loader=val
    )
    return result.phases


def train_method(
    method: str, config: GreedyPretrainingConfig, data: dict[str, Any], seed: int
) -> dict[str, Any]:
    """Seed `seed`'s network trained by `method`: test error, learning curve, CPU seconds."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model

    torch.manual_seed(seed)
    model = build_model(
        "mlp", (1, 28, 28), 10, depth=config.depth, width=config.width, activation="sigmoid"
    )
    train = TensorLoader(data["x_train"], data["y_train"], batch_size=config.batch_size, seed=seed)
    val = TensorLoader(data["x_val"], data["y_val"], batch_size=1000, shuffle=False)
    start = time.process_time()
    phases = _phases(method, config, model, train, val, seed)
    seconds = time.process_time() - start
    curve = [
        1 - record["val_accuracy"] if "val_accuracy" in record else None
        for phase in phases
        for record in phase.history
    ]
    model.eval()
    with torch.no_grad():
        predicted = model(data["x_test"]).argmax(dim=1)
    test_error = float((predicted != data["y_test"]).float().mean())
    return {"test_error": test_error, "val_error_curve": curve, "cpu_seconds": seconds}
