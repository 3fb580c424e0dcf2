"""The fully connected MNIST networks of Szegedy et al.'s Table 1 and their training: sigmoid
hidden layers, a softmax output, and weight decay lambda |W|^2 on each layer's weights."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn


@dataclass
class Mnist01:
    """MNIST as float32 (N, 784) with pixels in [0, 1], the box the attack keeps to."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def load_mnist01(data_root: str | None, download: bool, limit_train: int | None) -> Mnist01:
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=data_root, download=download)

    def pixels(x: Tensor) -> Tensor:
        return (x.reshape(x.shape[0], -1).float() / ds.scale).clamp(0, 1)

    train_x, train_y = pixels(ds.train.x), ds.train.y
    if limit_train is not None:
        train_x, train_y = train_x[:limit_train], train_y[:limit_train]
    return Mnist01(train_x, train_y, pixels(ds.test.x), ds.test.y)


def build_network(hidden: tuple[int, ...], inputs: int = 784, classes: int = 10) -> nn.Module:
    layers: list[nn.Module] = []
    width = inputs
    for size in hidden:
        layers += [nn.Linear(width, size), nn.Sigmoid()]
        width = size
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def train_network(
    model: nn.Module,
    decays: tuple[float, ...],
    data: Mnist01,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
) -> float:
    """Adam on mean cross-entropy + sum_l lambda_l |W_l|^2 (biases not decayed); returns the
    last epoch's mean training loss."""
    import torch.nn.functional as F

    from learnlab.data import TensorLoader

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(linears) != len(decays):
        raise ValueError(f"{len(decays)} weight decays for {len(linears)} layers")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loader = TensorLoader(data.train_x, data.train_y, batch_size=batch_size, seed=seed)
    model.train()
    last = float("nan")
    for _ in range(epochs):
        total, count = 0.0, 0
        for xb, yb in loader:
            decay = sum(
                lam * layer.weight.pow(2).sum() for lam, layer in zip(decays, linears, strict=True)
            )
            loss = F.cross_entropy(model(xb), yb) + decay
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + float(loss.detach()) * len(yb), count + len(yb)
        last = total / max(1, count)
    model.eval()
    return last


def error_rate(model: nn.Module, x: Tensor, y: Tensor) -> float:
    from learnlab.analysis.adversarial.success import predictions

    if len(y) == 0:
        return float("nan")
    return float((predictions(model, x) != y).double().mean())
