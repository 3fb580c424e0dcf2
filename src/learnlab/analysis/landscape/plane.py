"""The loss and the metrics on a plane through a solution, theta* + a d1 + b d2, with d1, d2
random filter-normalised directions (Li, Xu, Taylor, Studer & Goldstein 2018; directions.py)
or directions the caller gives; the contour plot of their paper's figures."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from learnlab.analysis.base import preserved_model_state
from learnlab.analysis.landscape.checkpoint import GridCheckpoint, fingerprint
from learnlab.analysis.landscape.directions import OneDimensional, random_directions
from learnlab.analysis.landscape.points import (
    BatchNormMode,
    State,
    batches_of,
    check_batch_norm,
    check_grid,
    check_state,
    evaluate,
    load_point,
    parameter_names,
    recompute_batch_norm,
    restored_weights,
)
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective, as_objective

DEFAULT_AXIS = tuple(-1 + i / 10 for i in range(21))  # -1 to 1 in steps of 0.1


@dataclass(frozen=True)
class PlaneScan:
    """The objective on the grid: `loss[i, j]` at theta* + alphas[i] d1 + betas[j] d2, a mean
    over all the data given; `batch_norm` says whether the batch-norm statistics were the
    solution's ("frozen") or recomputed at every point; `seed` drew the directions (None: the
    caller gave them)."""

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    metrics: Mapping[str, np.ndarray]
    batch_norm: str
    seed: int | None


def _check_directions(
    model: nn.Module, names: list[str], directions: Sequence[Mapping[str, torch.Tensor]]
) -> list[dict[str, torch.Tensor]]:
    if len(directions) != 2:
        raise ConfigError(f"directions must be two (d1, d2); got {len(directions)}.")
    params = dict(model.named_parameters())
    checked = []
    for k, direction in enumerate(directions):
        if not isinstance(direction, Mapping) or set(direction) != set(names):
            raise ConfigError(
                f"directions[{k}] must map each parameter name of the model to a tensor of "
                "its shape (as dict(model.named_parameters()))."
            )
        for name in names:
            if direction[name].shape != params[name].shape:
                raise ConfigError(
                    f"directions[{k}][{name!r}] has shape {tuple(direction[name].shape)}; the "
                    f"parameter's is {tuple(params[name].shape)}."
                )
        checked.append({n: direction[n].detach().to(params[n]) for n in names})
    return checked


def loss_plane(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    data: Any,
    center: State | None = None,
    *,
    directions: Sequence[Mapping[str, torch.Tensor]] | None = None,
    seed: int = 0,
    one_dimensional: OneDimensional = "zero",
    alphas: Sequence[float] = DEFAULT_AXIS,
    betas: Sequence[float] = DEFAULT_AXIS,
    batch_norm: BatchNormMode = "frozen",
    batch_norm_data: Any = None,
    checkpoint_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PlaneScan:
    """The objective over all of `data` at center + a d1 + b d2 for a in `alphas`, b in
    `betas`. `center`: a state dict of `model` (default: its current state); its buffers
    are used at every point. `directions`: (d1, d2), parameter name -> tensor; by default
    two filter-normalised Gaussian directions drawn from `seed` (`one_dimensional`: what
    biases and batch-norm parameters get, directions.py). `batch_norm`, `batch_norm_data`,
    `checkpoint_path` (finished rows written as each finishes) and `progress(done, total)` as
    in `linear_path`. The model is left as it came."""
    objective = as_objective(objective)
    check_batch_norm(batch_norm)
    names = parameter_names(model)
    state = check_state(model, model.state_dict() if center is None else center, "center")
    middle = {n: state[n] for n in names}
    if directions is None:
        d1, d2 = random_directions(middle, seed=seed, one_dimensional=one_dimensional)
    else:
        d1, d2 = _check_directions(model, names, directions)
    grid_a, grid_b = check_grid(alphas, "alphas"), check_grid(betas, "betas")
    batches = batches_of(data)
    statistics = batches
    if batch_norm_data is not None:
        statistics = batches_of(batch_norm_data, "batch_norm_data")
    spec = {
        "kind": "plane",
        "alphas": grid_a,
        "betas": grid_b,
        "batch_norm": batch_norm,
        "states": fingerprint([state, d1, d2]),
    }
    store = GridCheckpoint(checkpoint_path, spec)
    total = len(grid_a) * len(grid_b)
    with preserved_model_state(model), restored_weights(model):
        for i, a in enumerate(grid_a):
            for j, b in enumerate(grid_b):
                key = f"{i},{j}"
                if store.get(key) is None:
                    load_point(model, {n: middle[n] + a * d1[n] + b * d2[n] for n in names}, state)
                    if batch_norm == "recompute":
                        recompute_batch_norm(model, objective, statistics())
                    last = j == len(grid_b) - 1
                    store.put(key, evaluate(model, objective, batches()), write=last)
                if progress is not None:
                    progress(i * len(grid_b) + j + 1, total)
    return _scan(store, grid_a, grid_b, batch_norm, None if directions is not None else seed)


def _scan(
    store: GridCheckpoint,
    alphas: list[float],
    betas: list[float],
    batch_norm: str,
    seed: int | None,
) -> PlaneScan:
    values = [[store.get(f"{i},{j}") for j in range(len(betas))] for i in range(len(alphas))]
    keys = [k for k in values[0][0] if k != "loss"]

    def table(key: str) -> np.ndarray:
        return np.array([[point[key] for point in row] for row in values])

    return PlaneScan(
        np.array(alphas),
        np.array(betas),
        table("loss"),
        {k: table(k) for k in keys},
        batch_norm,
        seed,
    )
