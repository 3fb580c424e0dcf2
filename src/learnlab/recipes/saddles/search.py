"""The saddles experiment: downsampled MNIST, the MLP, starts along SGD runs, the search."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.recipes.saddles.config import CLASSES, TRAJECTORY_SEEDS, SaddlesConfig


def mnist_inputs(config: SaddlesConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `examples` training images averaged down to image_size x image_size, flat,
    standardised (one mean and scale over all pixels), float64; and their labels."""
    from learnlab.data import load_dataset

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    images = ds.train.x[: config.examples].double() / ds.scale
    x = F.adaptive_avg_pool2d(images, config.image_size).reshape(len(images), -1)
    return (x - x.mean()) / x.std(), ds.train.y[: config.examples].long()


def mlp(config: SaddlesConfig, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(config.image_size**2, config.hidden), nn.Tanh(), nn.Linear(config.hidden, CLASSES)
    ).double()


def cross_entropy(model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
    return F.cross_entropy(model(batch[0]), batch[1]), {}


def sgd_starts(
    config: SaddlesConfig, x: torch.Tensor, y: torch.Tensor
) -> tuple[list[torch.Tensor], list[dict[str, int]]]:
    """One start per (SGD run, snapshot): the run's flat parameters after that many steps of
    minibatch SGD, moved by uniform noise; and where each came from."""
    from torch.nn.utils import parameters_to_vector

    starts, origins = [], []
    for run in range(config.trajectories):
        seed = TRAJECTORY_SEEDS * config.seed + run  # seeds 0, 1, 2 share no SGD run
        model = mlp(config, seed)
        optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
        draws = torch.Generator().manual_seed(seed)
        for step in range(config.snapshots[-1] + 1):
            if step in config.snapshots:
                at = parameters_to_vector(model.parameters()).detach()
                noise = torch.rand(at.shape, generator=draws, dtype=at.dtype) * 2 - 1
                starts.append(at + config.noise * noise)
                origins.append({"run": run, "step": step})
            if step < config.snapshots[-1]:
                rows = torch.randint(0, len(x), (config.batch_size,), generator=draws)
                loss = cross_entropy(model, (x[rows], y[rows]))[0]
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return starts, origins


def search(config: SaddlesConfig, console: Any) -> tuple[Any, list[dict[str, int]], int]:
    """The critical points found from every start, where the starts came from, and the
    parameter count."""
    from learnlab.analysis.critical_points import critical_points

    x, y = mnist_inputs(config)
    starts, origins = sgd_starts(config, x, y)
    model = mlp(config, config.seed)

    def progress(i: int, norm: float) -> None:
        if config.progress:
            where = origins[i]
            console.print(
                f"saddles: search {i + 1}/{len(starts)} (run {where['run']}, step "
                f"{where['step']}): |grad L| = {norm:.2e}"
            )

    found = critical_points(
        model,
        cross_entropy,
        (x, y),
        starts,
        tolerance=config.tolerance(),
        max_iterations=config.max_iterations,
        newton_steps=config.newton_steps,
        on_point=progress,
    )
    return found, origins, config.parameters()
