"""One point of an intrinsic-dimension curve: a model trained in a random d-dimensional
subspace with the ordinary Trainer, and its accuracy on held-out data."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class SubspaceRun:
    d: int
    D: int
    val_accuracy: float
    train_accuracy: float
    seconds: float


def train_in_subspace(
    model: nn.Module,
    d: int,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    *,
    projection: str = "sparse",
    seed: int = 0,
    epochs: int = 1,
    batch_size: int = 128,
    lr: float = 1e-3,
) -> SubspaceRun:
    """Train `SubspaceModel(model, d)` with Adam on the cross-entropy; `model` is not changed."""
    import time

    from learnlab.analysis.subspace.model import SubspaceModel
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.trainer import Trainer

    start = time.perf_counter()
    subspace = SubspaceModel(model, d, projection=projection, seed=seed)
    trainer = Trainer(subspace, CrossEntropy(), torch.optim.Adam(subspace.parameters(), lr=lr))
    history = trainer.fit(TensorLoader(*train, batch_size=batch_size, seed=seed), epochs=epochs)
    scores = trainer.evaluate(TensorLoader(*val, batch_size=1000, shuffle=False))
    return SubspaceRun(
        d=d,
        D=subspace.D,
        val_accuracy=float(scores["accuracy"]),
        train_accuracy=float(history[-1]["train_accuracy"]),
        seconds=time.perf_counter() - start,
    )
