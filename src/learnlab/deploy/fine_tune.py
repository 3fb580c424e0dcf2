"""Fine-tuning a compressed model for a few epochs on the training data, with the project's
Trainer (cross-entropy, SGD with momentum, a cosine schedule to zero): pruning removes what
the rest of the network relied on, and a short retraining recovers much of the accuracy
(Li et al. 2017, "Pruning filters for efficient convnets", retrain after pruning).

Example:
    >>> model = torch.nn.Linear(4, 3)
    >>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    >>> fine_tune(model, x, y, epochs=1, seed=0)[-1]["epoch"]
    1
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def fine_tune(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int = 1,
    lr: float = 0.01,
    momentum: float = 0.9,
    batch_size: int = 128,
    seed: int = 0,
) -> list[dict[str, float]]:
    """Train `model` in place on (x, y) for `epochs` epochs; return the Trainer's history."""
    from learnlab.data.loader import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.trainer import Trainer

    if epochs == 0:
        return []
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loader = TensorLoader(x, y, batch_size=batch_size, seed=seed)
    steps = epochs * len(loader)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, steps))
    torch.manual_seed(seed)  # dropout, if any
    model.train()
    history = Trainer(model, CrossEntropy(), optimizer, schedule=schedule).fit(loader, epochs)
    model.eval()
    return history
