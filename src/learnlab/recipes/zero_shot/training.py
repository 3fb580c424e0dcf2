"""One split, one seed: train the attribute predictor on the seen digits, then classify the
unseen digits' test images by their descriptions alone."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from learnlab.recipes.zero_shot.data import Digits


@dataclass(frozen=True)
class SplitOutcome:
    unseen: tuple[int, ...]
    seed: int
    unseen_accuracy: float  # most probable description among the unseen classes
    unseen_accuracy_nearest: float  # nearest description (Hamming) among the unseen classes
    seen_accuracy: float  # the seen classes' test images among the seen classes
    attribute_accuracy: float  # unseen test images: attributes predicted right


def attribute_predictor(inputs: int, hidden: int, attributes: int, seed: int) -> nn.Module:
    """An MLP with one logit (a sigmoid output) per attribute."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Flatten(), nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, attributes)
    )


def _accuracy(predicted: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predicted == labels).float().mean())


def train_and_test_split(
    data: Digits, descriptions: torch.Tensor, unseen: tuple[int, ...], seed: int, config
) -> SplitOutcome:
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.attributes import (
        AttributePrediction,
        most_probable_class,
        nearest_description_class,
    )
    from learnlab.procedures.base import Stage, train_stage

    seen = [c for c in range(len(descriptions)) if c not in unseen]
    is_seen = torch.isin(data.y_train, torch.tensor(seen))
    model = attribute_predictor(data.x_train[0].numel(), config.hidden, descriptions.shape[1], seed)
    loader = TensorLoader(
        data.x_train[is_seen], data.y_train[is_seen], batch_size=config.batch_size, seed=seed
    )
    stage = Stage(epochs=config.epochs, optimizer="adam", lr=config.lr)
    train_stage(model, AttributePrediction(descriptions), loader, stage, name="attributes")
    model.eval()
    with torch.no_grad():
        logits = model(data.x_test)
    test_unseen = torch.isin(data.y_test, torch.tensor(list(unseen)))
    logits_u, labels_u = logits[test_unseen], data.y_test[test_unseen]
    logits_s, labels_s = logits[~test_unseen], data.y_test[~test_unseen]
    attributes_right = ((logits_u > 0).float() == descriptions[labels_u]).float().mean()
    return SplitOutcome(
        unseen=unseen,
        seed=seed,
        unseen_accuracy=_accuracy(most_probable_class(logits_u, descriptions, unseen), labels_u),
        unseen_accuracy_nearest=_accuracy(
            nearest_description_class(logits_u, descriptions, unseen), labels_u
        ),
        seen_accuracy=_accuracy(most_probable_class(logits_s, descriptions, seen), labels_s),
        attribute_accuracy=float(attributes_right),
    )
