"""Pruning masks that keep weights at zero while the other weights train.

As in Frankle & Carbin (2019), "The lottery ticket hypothesis: finding sparse, trainable neural
networks": a mask is a dict from parameter name to a 0/1 tensor of that parameter's shape, and
the masked network is trained as

    p <- p * mask                        once, before the first step
    p <- optimizer_update(p); p <- p * mask      after every step

Gradients and optimizer state of masked weights are left alone: they cannot matter, since the
weight is zero in every forward pass. `MaskCallback` does this for one model in a Trainer;
`BatchedEnsemble(masks=...)` does it for K members at once with `stack_masks`, and equals it.

Example:
    >>> model = torch.nn.Linear(3, 2)
    >>> MaskCallback({"weight": torch.tensor([[1, 0, 1], [0, 0, 1]])}).apply(model)
    >>> (model.weight == 0).sum().item()
    3
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.train.events import Callback


def check_mask(name: str, mask, params: dict[str, Tensor], where: str) -> None:
    """ConfigError unless `mask` is a 0/1 tensor shaped like parameter `name` of `params`."""
    if name not in params:
        raise ConfigError(
            f"{where}: mask names parameter {name!r}, which the model does not have; "
            f"its parameters are: {', '.join(params)}."
        )
    if not isinstance(mask, Tensor) or mask.shape != params[name].shape:
        shape = tuple(mask.shape) if isinstance(mask, Tensor) else type(mask).__name__
        raise ConfigError(
            f"{where}: the mask of {name!r} must be a tensor of the parameter's shape "
            f"{tuple(params[name].shape)}, got {shape}."
        )
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ConfigError(f"{where}: the mask of {name!r} must hold only 0 and 1 (keep/prune).")


class MaskCallback(Callback):
    """Keep the pruned weights of one model at zero during a Trainer fit.

    `mask` maps parameter names (as in `model.named_parameters()`) to 0/1 tensors of the
    parameter's shape. The parameters are multiplied by their masks before the fit and after
    every optimizer step: the single-model equivalent of `BatchedEnsemble(masks=...)`.
    Order 15: after the NaN guard, before anything that reads or saves the weights.
    """

    order = 15

    def __init__(self, mask: dict[str, Tensor]) -> None:
        self.mask = mask

    @torch.no_grad()
    def apply(self, model: nn.Module) -> None:
        params = dict(model.named_parameters())
        for name, m in self.mask.items():
            check_mask(name, m, params, "MaskCallback")
            params[name].mul_(m.to(params[name]))

    def before_fit(self, trainer) -> None:
        self.apply(trainer.model)

    def after_step(self, trainer) -> None:
        self.apply(trainer.model)


def stack_masks(
    masks: Sequence[dict[str, Tensor]], params: dict[str, Tensor], trainable: set[str]
) -> dict[str, Tensor]:
    """Per-member masks as name -> (K, *shape) tensors like `params[name]` (one member's).

    Only parameters that some member masks appear; members that leave one unmasked get ones.
    """
    names: list[str] = []
    for k, mask in enumerate(masks):
        if not isinstance(mask, dict):
            raise ConfigError(f"masks[{k}] must be a dict (parameter name -> 0/1 tensor).")
        for name, m in mask.items():
            check_mask(name, m, params, f"masks[{k}]")
            if name not in trainable:
                raise ConfigError(f"masks[{k}] masks {name!r}, a frozen parameter; unmask it.")
            if name not in names:
                names.append(name)
    ones = {name: torch.ones_like(params[name]) for name in names}
    return {
        name: torch.stack(
            [mask[name].to(ones[name]) if name in mask else ones[name] for mask in masks]
        )
        for name in names
    }
