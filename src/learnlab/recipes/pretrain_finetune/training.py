"""One seed of pretrain-finetune: pre-train the denoising autoencoder on unlabelled images
(`objectives.reconstruction`), then fine-tune its encoder plus a new head with each label
budget (`procedures.transfer.fine_tune`, every layer trained), and train the same classifier
from random initialisation on the same labels."""

from __future__ import annotations

import copy
from typing import Any

from learnlab.recipes.pretrain_finetune.config import PretrainFinetuneConfig

METHODS = ("from scratch", "pre-trained encoder")


def load_data(config: PretrainFinetuneConfig) -> dict[str, Any]:
    """Pixels in [0, 1] (the Bernoulli reconstruction loss needs them); the labels of the
    unlabelled pool are kept only to draw the labelled subsets."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    n = config.unlabelled_size
    return {
        "x_pool": ds.train.x[:n].float() / ds.scale,
        "y_pool": ds.train.y[:n].long(),
        "x_test": ds.test.x[: config.test_size].float() / ds.scale,
        "y_test": ds.test.y[: config.test_size].long(),
    }


def balanced_subset(labels, count: int, seed: int):
    """Indices of count / 10 examples of each class, drawn at random (seeded)."""
    import torch

    from learnlab.data.semi_supervised import draw_labelled
    from learnlab.io.errors import ConfigError

    held = torch.bincount(labels, minlength=10)
    for digit in range(10):
        if held[digit] < count // 10:
            raise ConfigError(
                f"label count {count} needs {count // 10} images of digit {digit}, but the "
                f"unlabelled pool holds {int(held[digit])}; raise unlabelled_size or lower it."
            )
    return draw_labelled(labels, count // 10, seed)[0]


def pretrain(config: PretrainFinetuneConfig, data: dict[str, Any], seed: int):
    """The denoising autoencoder trained on the pool's images alone; (model, last loss)."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.objectives.reconstruction import Corruption, ReconstructionLoss
    from learnlab.procedures.base import Stage, train_stage

    torch.manual_seed(seed)
    autoencoder = build_model(
        "autoencoder", (1, 28, 28), 10, code=config.code, hidden=list(config.hidden)
    )
    loader = TensorLoader(data["x_pool"], batch_size=config.batch_size, seed=seed)
    objective = ReconstructionLoss("bce", Corruption(masking=config.masking), seed=seed)
    stage = Stage(epochs=config.pretrain_epochs, lr=config.lr)
    phase = train_stage(autoencoder, objective, loader, stage, name="pretrain")
    return autoencoder, phase.last("train_loss")


def classifier(encoder, config: PretrainFinetuneConfig):
    """Flatten -> the encoder -> ReLU -> a 10-way linear head."""
    from torch import nn

    return nn.Sequential(nn.Flatten(), encoder, nn.ReLU(), nn.Linear(config.code, 10))


def test_error(model, data: dict[str, Any]) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        predicted = model(data["x_test"]).argmax(dim=1)
    return float((predicted != data["y_test"]).float().mean())


def train_classifier(model, config, data, indices, seed: int, **tuning: Any) -> float:
    """The model trained on the labelled subset (fine_tune: every layer unless `tuning`
    freezes some, k=..., or sets discriminative rates, decay=...); the test error."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage
    from learnlab.procedures.transfer import fine_tune

    x, y = data["x_pool"][indices], data["y_pool"][indices]
    loader = TensorLoader(x, y, batch_size=min(config.batch_size, len(x)), seed=seed)
    torch.manual_seed(seed)
    stage = Stage(epochs=config.finetune_epochs, lr=config.lr)
    fine_tune(model, CrossEntropy(), loader, stage, **tuning)
    return test_error(model, data)


def run_seed(config: PretrainFinetuneConfig, data: dict[str, Any], seed: int) -> dict[str, Any]:
    """Test errors by label count and method, and the autoencoder's final loss."""
    import torch

    autoencoder, loss = pretrain(config, data, seed)
    errors: dict[int, dict[str, float]] = {}
    for count in config.label_counts:
        indices = balanced_subset(data["y_pool"], count, seed)
        torch.manual_seed(seed)  # the scratch encoder: the autoencoder's initialisation scheme
        fresh = build_fresh_encoder(config)
        scratch = train_classifier(classifier(fresh, config), config, data, indices, seed)
        tuned = classifier(copy.deepcopy(autoencoder.encoder), config)
        pretrained = train_classifier(
            tuned, config, data, indices, seed, k=config.frozen_layers, decay=config.decay
        )
        errors[count] = {"from scratch": scratch, "pre-trained encoder": pretrained}
    return {"errors": errors, "pretrain_loss": loss}


def build_fresh_encoder(config: PretrainFinetuneConfig):
    """An untrained encoder of the same shape (built as part of a fresh autoencoder)."""
    from learnlab.models import build_model

    model = build_model(
        "autoencoder", (1, 28, 28), 10, code=config.code, hidden=list(config.hidden)
    )
    return model.encoder
