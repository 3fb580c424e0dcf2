"""One seed of the contrastive recipe: the MNIST subset, four LeNet-5 encoders (random, SimCLR,
batch-hard triplet, supervised cross-entropy), each frozen and probed by a logistic regression
on its representation. Every training phase goes through `learnlab.procedures.base.train_stage`
(the Trainer); the probe is scikit-learn's `LogisticRegression`, its C chosen on validation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.objectives.base import Metrics, Objective
from learnlab.objectives.contrastive import Augment
from learnlab.recipes.contrastive.config import IMAGE_SHAPE, ContrastiveConfig
from learnlab.result import Result

NAME = "contrastive"
ENCODERS = ("random", "simclr", "triplet", "supervised")


@dataclass(frozen=True)
class Split:
    x: Tensor  # (N, 1, 28, 28) in [0, 1]: the views' zero fill is the background
    y: Tensor


@dataclass(frozen=True)
class Digits:
    train: Split
    val: Split
    test: Split


def load_digits(config: ContrastiveConfig) -> Digits:
    from learnlab.data import load_dataset

    mnist = load_dataset("mnist", root=config.data_root, download=config.download)
    x, y = mnist.train.x[: config.limit_train].float().div(255), mnist.train.y.long()
    cut = len(x) - config.val_examples
    test = slice(0, config.limit_test or len(mnist.test.x))
    return Digits(
        train=Split(x[:cut], y[:cut]),
        val=Split(x[cut:], y[cut : len(x)]),
        test=Split(mnist.test.x[test].float().div(255), mnist.test.y[test].long()),
    )


def _encoder(config: ContrastiveConfig) -> nn.Module:
    from learnlab.models import build_model

    return build_model("lenet5", IMAGE_SHAPE, config.representation)


def _projection_head(config: ContrastiveConfig) -> nn.Module:
    width = config.representation
    return nn.Sequential(
        nn.ReLU(), nn.Linear(width, width), nn.ReLU(), nn.Linear(width, config.projection)
    )


def _objective(kind: str, config: ContrastiveConfig, seed: int) -> Objective:
    from learnlab.objectives.contrastive import BatchHardTriplet, SimCLR

    augment = config.view_augment()
    if kind == "simclr":
        return SimCLR(_projection_head(config), augment, config.temperature, seed)
    if kind == "triplet":
        return BatchHardTriplet(_projection_head(config), config.margin, augment, seed)
    return ClassifierOnViews(nn.Linear(config.representation, 10), augment, seed)


class ClassifierOnViews(Objective):
    """Cross-entropy of a linear classifier (owned, dropped after) on one random view of each
    image: the supervised encoder sees the same augmented images as the contrastive ones."""

    metric_names = ("accuracy",)

    def __init__(self, head: nn.Module, augment: Augment, seed: int) -> None:
        self.head = head
        self.augment = augment
        self.generator = torch.Generator().manual_seed(seed)

    def extra_modules(self) -> list[nn.Module]:
        return [self.head]

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        x, y = batch
        logits = self.head(model(self.augment(x, self.generator)))
        accuracy = (logits.detach().argmax(1) == y).float().mean()
        return F.cross_entropy(logits, y), {"accuracy": accuracy}


def training_loader(kind: str, config: ContrastiveConfig, data: Digits, seed: int) -> Any:
    """The batches `kind` trains on: P x K batches for the triplet encoder (Hermans et al.:
    K images of each of P digits), shuffled batches of `batch_size` for the others."""
    from learnlab.data.class_balanced import ClassBalancedLoader
    from learnlab.data.loader import TensorLoader

    if kind == "triplet":
        return ClassBalancedLoader(
            data.train.x,
            data.train.y,
            classes=config.triplet_classes,
            per_class=config.triplet_per_class,
            seed=seed,
        )
    # drop_last: NT-Xent needs >= 2 examples in every batch
    return TensorLoader(
        data.train.x, data.train.y, batch_size=config.batch_size, seed=seed, drop_last=True
    )


def train_encoder(kind: str, config: ContrastiveConfig, data: Digits, seed: int) -> nn.Module:
    """An encoder trained by `kind` (or left at its random start for "random")."""
    from learnlab.procedures.base import Stage, train_stage

    torch.manual_seed(seed)  # every encoder of a seed starts from the same weights
    encoder = _encoder(config)
    if kind == "random":
        return encoder
    objective = _objective(kind, config, seed)
    loader = training_loader(kind, config, data, seed)
    lr = config.triplet_lr if kind == "triplet" else config.lr
    train_stage(encoder, objective, loader, Stage(epochs=config.epochs, lr=lr), name=kind)
    return encoder


@torch.no_grad()
def features(encoder: nn.Module, x: Tensor, batch: int = 1000) -> Tensor:
    encoder.eval()
    return torch.cat([encoder(x[i : i + batch]) for i in range(0, len(x), batch)])


def linear_probe(encoder: nn.Module, data: Digits, cs: list[float]) -> dict[str, float]:
    """Logistic regression on the frozen, standardised representation: the C with the best
    validation accuracy, then its test accuracy."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, val, test = (
        features(encoder, s.x).double().numpy() for s in (data.train, data.val, data.test)
    )
    best: dict[str, float] = {}
    for c in cs:
        probe = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
        probe.fit(train, data.train.y.numpy())
        val_accuracy = float(probe.score(val, data.val.y.numpy()))
        if not best or val_accuracy > best["val_accuracy"]:
            test_accuracy = float(probe.score(test, data.test.y.numpy()))
            best = {"val_accuracy": val_accuracy, "test_accuracy": test_accuracy, "c": c}
    return best


def run_seed(config: ContrastiveConfig, data: Digits, seed: int) -> Result:
    """Every encoder of one seed, trained and probed: accuracies, C's and seconds."""
    summary: dict[str, Any] = {"seed": seed}
    for kind in ENCODERS:
        start = time.perf_counter()
        encoder = train_encoder(kind, config, data, seed)
        trained = time.perf_counter()
        probe = linear_probe(encoder, data, config.probe_c)
        summary[f"{kind}_test_accuracy"] = probe["test_accuracy"]
        summary[f"{kind}_val_accuracy"] = probe["val_accuracy"]
        summary[f"{kind}_probe_c"] = probe["c"]
        summary[f"{kind}_train_seconds"] = trained - start
        summary[f"{kind}_probe_seconds"] = time.perf_counter() - trained
    return Result(
        kind=f"{NAME}-seed",
        title=f"{NAME}: the encoders of seed {seed}",
        summary=summary,
        report=False,
    )
