"""Unstructured magnitude pruning through `torch.nn.utils.prune`: the weights smallest in
absolute value are set to zero, per layer (each layer loses the same fraction) or globally
(one threshold over all the chosen layers, so some layers lose more than others).

`magnitude_prune` works on a deep copy and makes the pruning permanent there
(`prune.remove`: the weight becomes a plain parameter with zeros, no mask buffers, so the
copy saves and loads like the original). Zeros alone make the model neither smaller nor
faster in dense storage; they are what sparse formats and the lottery-ticket experiments
build on. The 0/1 masks of `learnlab.analysis.pruning` (Linear layers only, iterative) serve
the lottery-ticket recipe; this module is the library route for any Linear or Conv layer.

Example:
    >>> model = torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.Linear(10, 2))
    >>> pruned = magnitude_prune(model, 0.5)
    >>> round(weight_sparsity(pruned), 2), round(weight_sparsity(model), 2)
    (0.5, 0.0)
"""

from __future__ import annotations

import copy
import math
import numbers
from typing import Literal

import torch
from torch import nn

from learnlab.io.errors import ConfigError

PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
SCOPES = ("layer", "global")


def check_sparsity(value: object, name: str = "sparsity") -> float:
    """`value` as a float if it is a number in [0, 1) (the fraction of weights set to zero);
    else a ConfigError naming `name`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 <= value < 1
    ):
        raise ConfigError(
            f"{name} must be a fraction in [0, 1): the share of weights set to zero (e.g. 0.8), "
            f"got {value!r}. 1 would remove every weight."
        )
    return float(value)


def prunable_layers(model: nn.Module) -> dict[str, nn.Module]:
    """The model's Linear and Conv layers by name, in order; a ConfigError if it has none."""
    layers = {name: m for name, m in model.named_modules() if isinstance(m, PRUNABLE)}
    if not layers:
        kinds = sorted({type(m).__name__ for m in model.modules()})
        raise ConfigError(
            f"magnitude pruning needs nn.Linear or nn.Conv layers; the model has only "
            f"{', '.join(kinds)}."
        )
    return layers


def magnitude_prune(
    model: nn.Module, sparsity: float, scope: Literal["layer", "global"] = "layer"
) -> nn.Module:
    """A copy of `model` whose Linear and Conv weights (not biases) have `sparsity` of their
    entries set to zero, those smallest in magnitude: round(sparsity * n) of each layer's n
    (scope "layer") or of all of them together (scope "global"). The original is unchanged."""
    from torch.nn.utils import prune

    sparsity = check_sparsity(sparsity)
    if scope not in SCOPES:
        raise ConfigError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}.")
    pruned = copy.deepcopy(model)
    layers = prunable_layers(pruned)
    if scope == "global":
        prune.global_unstructured(
            [(m, "weight") for m in layers.values()],
            pruning_method=prune.L1Unstructured,
            amount=sparsity,
        )
    else:
        for module in layers.values():
            prune.l1_unstructured(module, "weight", amount=sparsity)
    for module in layers.values():
        prune.remove(module, "weight")  # permanent: weight_orig * mask becomes the weight
    return pruned


@torch.no_grad()
def weight_sparsity(model: nn.Module) -> float:
    """The fraction of zeros among the weights of the model's Linear and Conv layers."""
    weights = [m.weight for m in prunable_layers(model).values()]
    zeros = sum(int((w == 0).sum()) for w in weights)
    return zeros / sum(w.numel() for w in weights)
