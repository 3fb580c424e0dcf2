"""What every analysis of a model shares: leaving the model as it came, and the loss of an
objective on a batch as a function of the parameters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch
from torch import nn

from learnlab.objectives.base import Objective, as_objective


@contextlib.contextmanager
def preserved_model_state(model: nn.Module, *, eval_mode: bool = True) -> Iterator[nn.Module]:
    """Inside: the model in eval mode (unless `eval_mode=False`: dropout and batch-norm
    statistics then behave as in training) with every parameter requiring a gradient and the
    existing gradients set aside; after, even on an error: the mode, each parameter's
    `requires_grad` and its gradient exactly as before."""
    modes = {m: m.training for m in model.modules()}
    params = list(model.parameters())
    flags = [p.requires_grad for p in params]
    grads = [p.grad for p in params]
    try:
        if eval_mode:
            model.eval()
        for p in params:
            p.requires_grad_(True)
            p.grad = None
        yield model
    finally:
        for module, training in modes.items():
            module.training = training
        for p, flag, grad in zip(params, flags, grads, strict=True):
            p.requires_grad_(flag)
            p.grad = grad


def loss_closure(
    model: nn.Module, objective: Objective | Callable[..., Any], batch: Any
) -> Callable[[], torch.Tensor]:
    """`() -> loss` of `objective` on `batch` at the model's current parameters."""
    objective = as_objective(objective)

    def loss() -> torch.Tensor:
        return objective(model, batch)[0]

    return loss


def trainable(model: nn.Module) -> list[nn.Parameter]:
    """The parameters an analysis differentiates with respect to: all of them, in order."""
    return list(model.parameters())


def flat(tensors: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in tensors])


def set_flat(params: Sequence[torch.Tensor], vector: torch.Tensor) -> None:
    """Write the flat `vector` into the parameters, in order (in each parameter's dtype)."""
    with torch.no_grad():
        offset = 0
        for p in params:
            p.copy_(vector[offset : offset + p.numel()].view_as(p).to(p.dtype))
            offset += p.numel()
