"""The supervised phase of both arms: many seeds at once as a batched ensemble, and the
early-examples runs one by one (their loaders differ only in the first examples seen).

A pre-trained member is set up in `build()`: BatchedEnsemble seeds the global generator with
the member's seed s before calling it, so `torch.initial_seed()` is s there and the network
takes the layers pre-trained from seed s (the same seeds with and without pre-training)."""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING

from learnlab.recipes.pretraining_variance.config import PretrainingVarianceConfig

if TYPE_CHECKING:
    from torch import Tensor, nn

# seed offsets beyond the training's own: the stream of examples, and each run's early order
STREAM_SEED, FIRST_ORDER_SEED = 1, 2


def network(
    config: PretrainingVarianceConfig, pretrained: dict[int, list[dict]] | None = None
) -> nn.Module:
    """The MLP (sigmoid hidden layers); its hidden layers from `pretrained[torch.initial_seed()]`
    when given (the output layer keeps its random initialisation)."""
    import torch

    from learnlab.models import build_model

    model = build_model(
        "mlp", (1, 28, 28), 10, depth=config.layers, width=config.width, activation="sigmoid"
    )
    layers = None if pretrained is None else pretrained.get(torch.initial_seed())
    if layers is not None:
        with torch.no_grad():
            for k, layer in enumerate(layers, start=1):
                getattr(model, f"fc{k}").weight.copy_(layer["weight"])
                getattr(model, f"fc{k}").bias.copy_(layer["bias"])
    return model


def seed_test_errors(
    config: PretrainingVarianceConfig,
    data: dict[str, Tensor],
    pretrained: dict[int, list[dict]] | None,
) -> list[float]:
    """Test error of every seed's network after `epochs` epochs of SGD (one batched run)."""
    from learnlab.scale.ensemble import BatchedEnsemble

    ensemble = BatchedEnsemble(
        partial(network, config, pretrained),
        config.seed_list(),
        optimizer=config.optimizer,
        lr=config.lr,
        momentum=config.momentum if config.optimizer == "momentum" else 0.0,
    )
    ensemble.fit(
        data["x_train"], data["y_train"], epochs=config.epochs, batch_size=config.batch_size
    )
    accuracy = ensemble.evaluate(data["x_test"], data["y_test"])["accuracy"]
    return [1.0 - float(a) for a in accuracy]


class StreamLoader:
    """Batches in a fixed order per epoch (`orders[e]`, a permutation of the examples)."""

    def __init__(self, x: Tensor, y: Tensor, orders: list[Tensor], batch_size: int) -> None:
        self.x, self.y, self.orders, self.batch_size = x, y, orders, batch_size
        self.epoch = 0

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self):
        order = self.orders[self.epoch]
        self.epoch += 1
        for i in range(0, len(order), self.batch_size):
            index = order[i : i + self.batch_size]
            yield self.x[index], self.y[index]


def early_order_test_errors(
    config: PretrainingVarianceConfig,
    data: dict[str, Tensor],
    pretrained: dict[int, list[dict]] | None,
) -> list[float]:
    """Test errors of `orders` runs from one initialisation (seed `seed`) on one stream of
    examples, run r permuting only the first `first_examples` of the first epoch."""
    import torch

    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    n, first = len(data["x_train"]), config.first_examples
    stream = torch.Generator().manual_seed(config.seed + STREAM_SEED)
    base = [torch.randperm(n, generator=stream) for _ in range(config.epochs)]
    errors = []
    for r in range(config.orders):
        shuffle = torch.Generator().manual_seed(config.seed + FIRST_ORDER_SEED + r)
        head = base[0][:first][torch.randperm(first, generator=shuffle)]
        orders = [torch.cat([head, base[0][first:]]), *base[1:]]
        torch.manual_seed(config.seed)
        model = network(config, pretrained)
        optimizer = build_optimizer(
            config.optimizer, model.parameters(), lr=config.lr, momentum=config.momentum
        )
        loader = StreamLoader(data["x_train"], data["y_train"], orders, config.batch_size)
        Trainer(model, CrossEntropy(), optimizer).fit(loader, epochs=config.epochs)
        errors.append(1.0 - _accuracy(model, data["x_test"], data["y_test"]))
    return errors


def _accuracy(model: nn.Module, x: Tensor, y: Tensor) -> float:
    import torch

    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())
