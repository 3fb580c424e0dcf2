"""One seed of dann-mnist-usps: the same network trained three ways, scored on USPS test.

    source only    cross-entropy on the labelled MNIST images
    DANN           the same, plus the domain classifier behind gradient reversal, fed the
                   unlabelled USPS images (`learnlab.procedures.domain_adversarial`)
    target only    cross-entropy on the USPS images with their labels (the upper reference)

All three take the same number of SGD steps (epochs x source batches) with the same learning
rates (mu_p annealed alike), from the same initial weights.
"""

from __future__ import annotations

import copy
import time
from collections import OrderedDict
from typing import Any

import torch
from torch import nn

from learnlab.recipes.dann_mnist_usps.config import DannMnistUspsConfig
from learnlab.recipes.dann_mnist_usps.data import Domains
from learnlab.recipes.transfer.data import Images, error_rate
from learnlab.result import Result

NAME = "dann-mnist-usps"
METHODS = ("source_only", "dann", "target_only")


def lenet() -> nn.Sequential:
    """ADDA's LeNet at 28x28 (its released code): features conv 5x5 (20) - pool - conv 5x5
    (50) - pool, ReLUs, no padding; label predictor 500 (ReLU) - 10. DANN's domain
    classifier reads the 800 features, as Ganin et al.'s reads their convolutional part."""
    features = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
    )  # fmt: skip
    classifier = nn.Sequential(nn.Linear(50 * 4 * 4, 500), nn.ReLU(), nn.Linear(500, 10))
    return nn.Sequential(OrderedDict(features=features, classifier=classifier))


def dann_network() -> nn.Sequential:
    """Ganin et al.'s MNIST network at 16x16 (the usps16 protocol): features conv 5x5 (32) -
    pool - conv 5x5 (48) - pool; label predictor 100 - 100 - 10 (ReLUs)."""
    features = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 48, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    )  # fmt: skip
    classifier = nn.Sequential(
        nn.Linear(48 * 4 * 4, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 10)
    )
    return nn.Sequential(OrderedDict(features=features, classifier=classifier))


def network(config: DannMnistUspsConfig) -> nn.Sequential:
    return lenet() if config.protocol == "adda" else dann_network()


def feature_size(model: nn.Sequential) -> int:
    """The width of the features the domain classifier reads (its first linear layer's input)."""
    return next(m for m in model.classifier if isinstance(m, nn.Linear)).in_features


def _loader(images: Images, config: DannMnistUspsConfig, seed: int, labelled: bool = True):
    from learnlab.data.loader import TensorLoader

    tensors = (images.x, images.y) if labelled else (images.x,)
    return TensorLoader(*tensors, batch_size=config.batch_size, seed=seed)


def _train(config, method: str, model: nn.Module, data: Domains, seed: int):
    from learnlab.objectives.domain_adversarial import DomainAdversarial, domain_classifier
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.procedures.base import Stage, train_stage
    from learnlab.procedures.domain_adversarial import DannSchedule, DomainPairs
    from learnlab.recipes.dann_mnist_usps.selection import KeepBestOnValidation

    stage = Stage(config.epochs, optimizer="momentum", lr=config.lr, momentum=config.momentum)
    source = _loader(data.source, config, seed)
    steps = config.epochs * len(source)
    if method == "dann":
        torch.manual_seed(seed + 1)
        classifier = domain_classifier(feature_size(model))
        objective: Any = DomainAdversarial(
            model, feature_layer="features", domain_classifier=classifier, gamma=config.gamma
        )
        loader: Any = DomainPairs(source, _loader(data.target, config, seed + 1, labelled=False))
    else:
        objective, loader = CrossEntropy(), source
        if method == "target_only":  # as many steps as the others, over the USPS images
            loader = _loader(data.target, config, seed)
            stage = Stage(
                max(1, round(steps / len(loader))), "momentum", config.lr, momentum=config.momentum
            )
            steps = stage.epochs * len(loader)
    schedule = DannSchedule(objective if method == "dann" else None, steps, config.anneal_lr)
    keep = KeepBestOnValidation(data.val)
    phase = train_stage(model, objective, loader, stage, name=method, callbacks=[schedule, keep])
    return [dict(record) for record in phase.history], keep


def train_seed(config: DannMnistUspsConfig, data: Domains, seed: int) -> Result:
    """Source only, DANN and target only from the same initial weights: USPS test accuracy."""
    torch.manual_seed(seed)
    initial = network(config)
    summary: dict[str, Any] = {"seed": seed}
    histories: dict[str, list[dict]] = {}
    for method in METHODS:
        start = time.perf_counter()
        model = copy.deepcopy(initial)
        histories[method], keep = _train(config, method, model, data, seed)
        summary[f"{method}_chosen_epoch"] = keep.best_epoch or config.epochs
        summary[f"{method}_val_accuracy"] = keep.best_accuracy
        summary[f"{method}_accuracy"] = 1.0 - error_rate(model, data.test)
        summary[f"{method}_source_accuracy"] = 1.0 - error_rate(model, data.source)
        summary[f"{method}_seconds"] = time.perf_counter() - start
    summary["train_seconds"] = sum(summary[f"{m}_seconds"] for m in METHODS)
    summary["dann_gain_points"] = 100 * (summary["dann_accuracy"] - summary["source_only_accuracy"])
    summary["dann_final_domain_accuracy"] = float(histories["dann"][-1]["train_domain_accuracy"])
    return Result(
        kind=f"{NAME}-seed",
        title=f"{NAME}: seed {seed}",
        summary=summary,
        history=histories["dann"],
        report=False,
    )
