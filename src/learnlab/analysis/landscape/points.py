"""What every landscape scan does at one point of parameter space: put the point's weights in
the model, optionally recompute its batch-norm statistics, and evaluate the objective over the
whole of the given data; and the checks on what the caller gave (states, data, grid)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective

BatchNormMode = Literal["frozen", "recompute"]
BATCH_NORM_MODES = ("frozen", "recompute")
State = Mapping[str, torch.Tensor]


def check_batch_norm(mode: str) -> None:
    if mode not in BATCH_NORM_MODES:
        raise ConfigError(
            f"batch_norm={mode!r}; choose 'frozen' (the running statistics of the solution "
            "at every point) or 'recompute' (recomputed from the data at every point)."
        )


def parameter_names(model: nn.Module) -> list[str]:
    names = [name for name, _ in model.named_parameters()]
    if not names:
        raise ConfigError(
            f"model: a {type(model).__name__} with no parameters has no loss landscape; "
            "give a model with parameters."
        )
    return names


def check_state(model: nn.Module, state: State, argument: str) -> dict[str, torch.Tensor]:
    """`state` (a state dict of `model`) as detached tensors on the model's device and dtype;
    a ConfigError naming `argument` when a key is missing or a shape differs."""
    if not isinstance(state, Mapping):
        raise ConfigError(f"{argument} must be a state dict (model.state_dict()); got {state!r}")
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise ConfigError(
            f"{argument} is not a state dict of this model: missing {missing[:5]}, unexpected "
            f"{extra[:5]}; give model.state_dict() of the same architecture."
        )
    checked = {}
    for key, value in own.items():
        given = state[key]
        if not isinstance(given, torch.Tensor) or given.shape != value.shape:
            shape = tuple(given.shape) if isinstance(given, torch.Tensor) else type(given).__name__
            raise ConfigError(
                f"{argument}[{key!r}] has shape {shape}; the model's is {tuple(value.shape)}."
            )
        # a copy: a state dict of the model itself shares its storage, which the scan moves
        checked[key] = given.detach().to(device=value.device, dtype=value.dtype, copy=True)
    return checked


def check_grid(values: Sequence[float], argument: str) -> list[float]:
    grid = [float(v) for v in values]
    if not grid or not all(torch.isfinite(torch.tensor(grid))):
        raise ConfigError(f"{argument} must be a non-empty list of finite numbers; got {values}")
    if any(b <= a for a, b in zip(grid, grid[1:], strict=False)):
        raise ConfigError(f"{argument} must increase strictly; got {grid}")
    return grid


def batches_of(data: Any, argument: str = "data") -> Callable[[], Iterable[Any]]:
    """`data` as something to iterate over afresh at every point: one batch (a tensor, or a
    tuple/list of tensors such as (x, y)) or a re-iterable collection of batches (a list, a
    DataLoader). A one-shot iterator (a generator) is refused: every point needs all of it."""
    if isinstance(data, torch.Tensor) or (
        isinstance(data, (tuple, list)) and data and all(isinstance(t, torch.Tensor) for t in data)
    ):
        return lambda: [data]
    if data is None or not isinstance(data, Iterable) or isinstance(data, (str, bytes)):
        raise ConfigError(
            f"{argument} must be a batch (a tensor or a tuple of tensors) or a list or loader of "
            f"batches; got {type(data).__name__}."
        )
    if iter(data) is data:
        raise ConfigError(
            f"{argument} is a one-shot iterator (a generator?): every point of the landscape "
            "evaluates all the data, so give a list of batches or a loader."
        )
    return lambda: data


@torch.no_grad()
def evaluate(
    model: nn.Module, objective: Objective, batches: Iterable[Any], argument: str = "data"
) -> dict[str, float]:
    """The objective's loss and metrics over all the batches: means over the examples."""
    from learnlab.train.epoch_metrics import epoch_mean

    losses, metrics, sizes = [], {}, []
    for batch in batches:
        loss, values = objective(model, batch)
        if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
            raise ConfigError("objective must return a scalar loss (a 0-d tensor) first.")
        sizes.append(objective.batch_examples(batch))
        losses.append(loss.detach())
        for name, value in values.items():
            metrics.setdefault(name, []).append(value)
    if not sizes:
        raise ConfigError(f"{argument} holds no batches; give at least one.")
    result = {"loss": epoch_mean("loss", losses, sizes)}
    for name, values in metrics.items():
        if len(values) == len(sizes):  # a metric every batch reported
            result[name] = epoch_mean(name, values, sizes)
    return result


def batch_norm_layers(model: nn.Module) -> list[nn.modules.batchnorm._BatchNorm]:
    return [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]


@torch.no_grad()
def recompute_batch_norm(model: nn.Module, objective: Objective, batches: Iterable[Any]) -> None:
    """Running statistics of every batch-norm layer recomputed from `batches`: reset, then one
    pass in train mode with momentum None (a cumulative average over all the batches); the
    rest of the model stays in the mode it is in (dropout off in eval mode)."""
    layers = batch_norm_layers(model)
    if not layers:
        return
    saved = [(m.momentum, m.training) for m in layers]
    try:
        for m in layers:
            m.reset_running_stats()
            m.momentum = None
            m.train()
        for batch in batches:
            objective(model, batch)
    finally:
        for m, (momentum, training) in zip(layers, saved, strict=True):
            m.momentum = momentum
            m.train(training)


@torch.no_grad()
def load_point(model: nn.Module, parameters: Mapping[str, torch.Tensor], buffers: State) -> None:
    """The model's parameters set to `parameters` and its buffers to `buffers` (in place)."""
    for name, p in model.named_parameters():
        p.copy_(parameters[name])
    for name, b in model.named_buffers():
        if name in buffers:
            b.copy_(buffers[name])


@contextlib.contextmanager
def restored_weights(model: nn.Module) -> Iterator[None]:
    """Every parameter and buffer as it was on entry, after, even on an error (a scan moves
    the weights and may recompute batch-norm statistics)."""
    saved = {k: v.detach().clone() for k, v in model.state_dict(keep_vars=True).items()}
    try:
        yield
    finally:
        with torch.no_grad():
            for key, value in model.state_dict(keep_vars=True).items():
                value.copy_(saved[key])
