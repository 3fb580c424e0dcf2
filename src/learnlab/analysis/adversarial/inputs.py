"""What every attack checks of its arguments, and the loss it ascends unless given one."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError

# loss(logits, labels) -> scalar mean over the batch
AttackLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def default_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """The cross-entropy of the model's logits, the loss the attacks increase by default."""
    return F.cross_entropy(logits, labels)


def check_attack_inputs(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """A model with parameters, inputs in [0, 1] with one label per example."""
    if not any(True for _ in model.parameters()):
        raise ConfigError(
            "model: it has no parameters; an attack needs a trained model whose input "
            "gradient it can follow."
        )
    if not torch.is_floating_point(x):
        raise ConfigError(f"x: a floating-point tensor of inputs is needed, got {x.dtype}.")
    if x.numel() and (float(x.min()) < 0.0 or float(x.max()) > 1.0):
        raise ConfigError(
            f"x: inputs must lie in [0, 1] (found {float(x.min()):.4g} to "
            f"{float(x.max()):.4g}); scale them to [0, 1] before attacking."
        )
    if y.dim() != 1 or y.shape[0] != x.shape[0]:
        raise ConfigError(
            f"y: one integer label per example is needed ({x.shape[0]}), got shape "
            f"{tuple(y.shape)}."
        )


def check_budget(name: str, value: float) -> float:
    """A finite, non-negative budget or step size; `name` is the argument's name."""
    value = float(value)
    if not value >= 0.0 or value == float("inf"):
        raise ConfigError(f"{name}={value}: it must be a finite number >= 0.")
    return value
