"""Pruning masks: layer-wise magnitude pruning, random pruning, and the rates of iterative
magnitude pruning (Frankle & Carbin, ICLR 2019, "The lottery ticket hypothesis: finding
sparse, trainable neural networks").

A mask is a dict from parameter name to a 0/1 tensor of that parameter's shape (the format of
`learnlab.scale.masks`: `MaskCallback` for one model in a Trainer, `BatchedEnsemble(masks=...)`
for many). Only the weight matrices of `nn.Linear` layers are pruned, as in the paper; biases
are kept.

Per layer, pruning a fraction p removes exactly round(p * r) of the r weights the current mask
keeps: the smallest in magnitude (`magnitude_masks`) or a uniformly random choice
(`random_masks`); ties in magnitude go to the lower flat index, so masks are deterministic.
Iterative magnitude pruning (the paper's Algorithm, "iterative pruning") prunes 20% of each
hidden layer's remaining weights per round and 10% of the output layer's (`layer_rates`);
after n rounds a hidden layer keeps 0.8^n of its weights. Pm, the percentage of the weights
that remain (`remaining_fraction`), is counted over the pruned matrices.

Example:
    >>> model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    >>> masks = magnitude_masks(model, layer_rates(model, 0.5, 0.5))
    >>> [int(m.sum()) for m in masks.values()]
    [6, 3]
"""

from __future__ import annotations

import math
import numbers

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError

Masks = dict[str, Tensor]


def check_fraction(name: str, value: object) -> float:
    """`value` as a float if it is a number strictly between 0 and 1; else a ConfigError
    naming `name` (pruning nothing or everything is not pruning)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or not 0 < value < 1
    ):
        raise ConfigError(
            f"{name} must be a fraction strictly between 0 and 1 (e.g. 0.2: prune 20% of the "
            f"remaining weights), got {value!r}."
        )
    return float(value)


def prunable_weights(model: nn.Module) -> dict[str, Tensor]:
    """The weight matrices of the model's nn.Linear layers, by parameter name, in order."""
    weights = {
        f"{name}.weight" if name else "weight": module.weight
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
    }
    if not weights:
        raise ConfigError("the model has no nn.Linear layer to prune.")
    return weights


def layer_rates(model: nn.Module, rate: float = 0.2, output_rate: float = 0.1) -> dict[str, float]:
    """The fraction of its remaining weights each layer loses per round: `rate` for every
    Linear layer but the last, `output_rate` for the last (the output layer)."""
    rate = check_fraction("rate", rate)
    output_rate = check_fraction("output_rate", output_rate)
    names = list(prunable_weights(model))
    return {name: output_rate if name == names[-1] else rate for name in names}


def _current(weights: dict[str, Tensor], masks: Masks | None, name: str) -> Tensor:
    if masks is None or name not in masks:
        return torch.ones_like(weights[name], dtype=torch.bool)
    mask = masks[name]
    if mask.shape != weights[name].shape:
        raise ConfigError(
            f"the mask of {name!r} has shape {tuple(mask.shape)}, the weight "
            f"{tuple(weights[name].shape)}."
        )
    return mask.to(weights[name].device).bool()


def _keep_all_but(kept: Tensor, drop: Tensor) -> Tensor:
    """The 0/1 float mask keeping `kept` minus the flat indices `drop`."""
    flat = kept.flatten().clone()
    flat[drop] = False
    return flat.view(kept.shape).float()


def _checked_rates(weights: dict[str, Tensor], rates: dict[str, float] | float) -> dict:
    if isinstance(rates, numbers.Real) and not isinstance(rates, bool):
        rates = dict.fromkeys(weights, rates)
    if not isinstance(rates, dict):
        raise ConfigError(f"rates must be a fraction or a dict layer -> fraction, got {rates!r}.")
    unknown = sorted(set(rates) - set(weights))
    if unknown:
        raise ConfigError(
            f"rates name {unknown}, which are not Linear weights of the model; they are: "
            f"{', '.join(weights)}."
        )
    return {name: check_fraction(f"rates[{name!r}]", r) for name, r in rates.items()}


@torch.no_grad()
def magnitude_masks(
    model: nn.Module, rates: dict[str, float] | float, masks: Masks | None = None
) -> Masks:
    """Layer-wise magnitude pruning: per layer named in `rates` (one fraction for all Linear
    weights, or name -> fraction), the mask that keeps what `masks` kept (None: everything)
    except the round(rate * kept) kept weights smallest in magnitude. Layers not in `rates`
    keep their mask. The model is not changed."""
    weights = prunable_weights(model)
    rates = _checked_rates(weights, rates)
    new: Masks = {}
    for name, weight in weights.items():
        kept = _current(weights, masks, name)
        if name not in rates:
            new[name] = kept.float()
            continue
        count = round(rates[name] * int(kept.sum()))
        # pruned weights sort last (inf), ties by index (stable): deterministic masks
        magnitude = weight.detach().abs().flatten().float().masked_fill(~kept.flatten(), math.inf)
        order = torch.sort(magnitude, stable=True).indices
        new[name] = _keep_all_but(kept, order[:count])
    return new


def random_masks(model: nn.Module, like: Masks, generator: torch.Generator) -> Masks:
    """Random pruning: per layer of `like`, a uniformly random mask keeping as many weights
    as `like` keeps there (the same layer-wise sparsity, another choice of weights)."""
    weights = prunable_weights(model)
    new: Masks = {}
    for name, mask in like.items():
        kept = _current(weights, like, name)
        keep = int(kept.sum())
        order = torch.randperm(kept.numel(), generator=generator)
        flat = torch.zeros(kept.numel())
        flat[order[:keep]] = 1.0
        new[name] = flat.view(mask.shape).to(mask.device)
    return new


def remaining_fraction(model: nn.Module, masks: Masks | None) -> float:
    """Pm as a fraction: the share of the Linear weights that `masks` keeps."""
    weights = prunable_weights(model)
    kept = sum(int(_current(weights, masks, name).sum()) for name in weights)
    return kept / sum(w.numel() for w in weights.values())


def remaining_after(model: nn.Module, rates: dict[str, float], rounds: int) -> float:
    """Pm (a fraction) after `rounds` rounds of `rates`, counting the exact rounding per layer."""
    weights = prunable_weights(model)
    kept = {name: w.numel() for name, w in weights.items()}
    for _ in range(rounds):
        kept = {n: k - round(rates.get(n, 0.0) * k) for n, k in kept.items()}
    return sum(kept.values()) / sum(w.numel() for w in weights.values())
