"""One variant of the randomisation test: an MLP trained on (possibly corrupted) MNIST until
its training accuracy reaches the target, with its loss curve, the steps it took and its
accuracies on the whole training set (as corrupted) and on the test set (true labels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from learnlab.recipes.random_labels.config import RandomLabelsConfig
from learnlab.train.events import Callback, CancelFit

if TYPE_CHECKING:
    from torch import Tensor

# seed offsets of the corruptions beyond the training's own (seed + 0): each draw its own stream
LABEL_SEED, INPUT_SEED, TEST_INPUT_SEED = 1, 2, 3


@dataclass(frozen=True)
class Variant:
    """What is changed: the fraction of random labels, the inputs, and one regulariser."""

    name: str
    label_fraction: float = 0.0
    inputs: str = "none"
    regularizer: str = "none"


@dataclass(frozen=True)
class Fitted:
    """steps[i] and losses[i]: optimizer steps and the mean training loss at the end of epoch
    i + 1; reached: whether the epoch's training accuracy reached the target."""

    steps: list[int]
    losses: list[float]
    reached: bool
    steps_to_target: int
    train_accuracy: float  # the whole (corrupted) training set, in eval mode, at the end
    test_accuracy: float  # the test set (its inputs corrupted the same way), true labels
    seconds: float


def variants(config: RandomLabelsConfig) -> list[Variant]:
    """Label corruption at each fraction, then each input corruption, then random labels with
    each regulariser."""
    out = [Variant(f"labels_{round(100 * p)}", label_fraction=p) for p in config.label_fractions]
    out += [Variant(kind, inputs=kind) for kind in config.input_variants]
    out += [Variant(f"random_labels_{r}", 1.0, regularizer=r) for r in config.regularizers]
    return out


def corrupted_data(
    variant: Variant, config: RandomLabelsConfig, data: dict[str, Tensor]
) -> tuple[Tensor, Tensor, Tensor]:
    """Training inputs and labels, test inputs, as the variant changes them."""
    from learnlab.data.corruption import corrupt_inputs, corrupt_labels

    y = corrupt_labels(
        data["y_train"], variant.label_fraction, num_classes=10, seed=config.seed + LABEL_SEED
    )
    x = corrupt_inputs(data["x_train"], variant.inputs, seed=config.seed + INPUT_SEED)
    x_test = data["x_test"]
    if variant.inputs == "shuffled_pixels":  # the same permutation for the test images
        x_test = corrupt_inputs(x_test, variant.inputs, seed=config.seed + INPUT_SEED)
    elif variant.inputs != "none":
        x_test = corrupt_inputs(x_test, variant.inputs, seed=config.seed + TEST_INPUT_SEED)
    return x, y, x_test


class StopAtAccuracy(Callback):
    """Ends the fit after the first epoch whose training accuracy reaches `target`."""

    order = 60

    def __init__(self, target: float) -> None:
        self.target = target
        self.reached = False

    def after_epoch(self, trainer) -> None:
        if trainer.history[-1]["train_accuracy"] >= self.target:
            self.reached = True
            raise CancelFit


def fit_variant(variant: Variant, config: RandomLabelsConfig, data: dict[str, Tensor]) -> Fitted:
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.data.transforms import random_translate
    from learnlab.models import build_model
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    x, y, x_test = corrupted_data(variant, config, data)
    torch.manual_seed(config.seed)
    dropout = config.dropout if variant.regularizer == "dropout" else 0.0
    model = build_model("mlp", tuple(x.shape[1:]), 10, depth=1, width=config.width, dropout=dropout)
    decay = config.weight_decay if variant.regularizer == "weight_decay" else 0.0
    optimizer = build_optimizer(
        "momentum", model.parameters(), lr=config.lr, momentum=config.momentum, weight_decay=decay
    )
    shift = variant.regularizer == "augmentation"
    transform = random_translate(config.augment_translate) if shift else None
    loader = TensorLoader(x, y, batch_size=config.batch_size, seed=config.seed, transform=transform)
    stop = StopAtAccuracy(config.target_accuracy)
    trainer = Trainer(model, CrossEntropy(), optimizer, callbacks=[stop])
    history = trainer.fit(loader, epochs=config.max_epochs)
    per_epoch = len(loader)
    return Fitted(
        steps=[int(h["epoch"]) * per_epoch for h in history],
        losses=[float(h["train_loss"]) for h in history],
        reached=stop.reached,
        steps_to_target=trainer.step,
        train_accuracy=accuracy(model, x, y),
        test_accuracy=accuracy(model, x_test, data["y_test"]),
        seconds=trainer.train_seconds,
    )


def accuracy(model, x: Tensor, y: Tensor, batch: int = 2000) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        correct = sum(
            int((model(x[i : i + batch]).argmax(1) == y[i : i + batch]).sum())
            for i in range(0, len(x), batch)
        )
    return correct / len(x)
