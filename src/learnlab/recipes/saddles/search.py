"""The saddles experiment: downsampled MNIST, the MLP, the starts, the Newton search."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.recipes.saddles.config import CLASSES, RUN_SEEDS, SaddlesConfig


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


def regularised_loss(weight_decay: float) -> Any:
    """The objective: cross-entropy plus weight_decay / 2 |theta|^2."""

    def objective(model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        penalty = sum((p * p).sum() for p in model.parameters())
        return F.cross_entropy(model(batch[0]), batch[1]) + 0.5 * weight_decay * penalty, {}

    return objective


def active_units(config: SaddlesConfig, width: int) -> torch.Tensor:
    """A mask over the flat parameters: the weights in and out of the first `width` hidden
    units and the output biases. With the rest 0, the network is a `width`-unit one."""
    inputs, hidden = config.image_size**2, config.hidden
    units = torch.arange(hidden) < width
    return torch.cat(
        [
            units[:, None].expand(hidden, inputs).reshape(-1),  # first layer weights
            units,  # first layer biases
            units[None, :].expand(CLASSES, hidden).reshape(-1),  # second layer weights
            torch.ones(CLASSES, dtype=torch.bool),  # output biases
        ]
    )


def trained_start(
    config: SaddlesConfig, batch: Any, width: int, seed: int
) -> tuple[torch.Tensor, float]:
    """The network's flat parameters with only the first `width` hidden units trained (by
    L-BFGS on the regularised loss, from PyTorch's initialisation) and the others silent (0 in
    and out); and |grad L| of the full network there, before any noise."""
    from scipy.optimize import minimize
    from torch.nn.utils import parameters_to_vector

    from learnlab.analysis.base import set_flat

    model = mlp(config, seed)
    params = list(model.parameters())
    mask = active_units(config, width)
    start = parameters_to_vector(params).detach() * mask
    objective = regularised_loss(config.weight_decay)

    def full_gradient(vector: torch.Tensor) -> tuple[float, torch.Tensor]:
        set_flat(params, vector)
        loss = objective(model, batch)[0]
        grads = torch.autograd.grad(loss, params)
        return float(loss.detach()), torch.cat([g.reshape(-1) for g in grads])

    def value_and_gradient(active: np.ndarray) -> tuple[float, np.ndarray]:
        vector = start.clone()
        vector[mask] = torch.from_numpy(active)
        value, gradient = full_gradient(vector)
        return value, gradient[mask].numpy()

    found = minimize(
        value_and_gradient,
        start[mask].numpy(),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": config.fit_iterations, "gtol": 1e-10, "ftol": 0.0, "maxcor": 30},
    )
    start[mask] = torch.from_numpy(found.x)
    return start, float(full_gradient(start)[1].norm())


def starts_from_trained_units(
    config: SaddlesConfig, batch: Any
) -> tuple[list[torch.Tensor], list[dict[str, Any]]]:
    """One start per (width, run): `trained_start` moved by uniform noise in [-noise, noise]
    on every parameter; and where each came from."""
    starts, origins = [], []
    for width in config.widths:
        for run in range(config.runs):
            seed = RUN_SEEDS * config.seed + run  # seeds 0, 1, 2 share no run
            at, norm = trained_start(config, batch, width, seed)
            draws = torch.Generator().manual_seed(seed * 1000 + width)
            noise = torch.rand(at.shape, generator=draws, dtype=at.dtype) * 2 - 1
            starts.append(at + config.noise * noise)
            origins.append({"width": width, "run": run, "start_gradient_norm": norm})
    return starts, origins


def search(config: SaddlesConfig, console: Any) -> tuple[Any, list[dict[str, Any]], int]:
    """The critical points found from every start, where the starts came from, and the
    parameter count."""
    from learnlab.analysis.critical_points import critical_points

    x, y = mnist_inputs(config)
    starts, origins = starts_from_trained_units(config, (x, y))
    model = mlp(config, config.seed)

    def progress(i: int, norm: float) -> None:
        if config.progress:
            where = origins[i]
            console.print(
                f"saddles: search {i + 1}/{len(starts)} ({where['width']} trained units, run "
                f"{where['run']}): |grad L| = {norm:.2e}"
            )

    found = critical_points(
        model,
        regularised_loss(config.weight_decay),
        (x, y),
        starts,
        tolerance=config.tolerance(),
        max_iterations=0,
        newton_steps=config.newton_steps,
        newton=config.newton,
        on_point=progress,
    )
    return found, origins, config.parameters()
