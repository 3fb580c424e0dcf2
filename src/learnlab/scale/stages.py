"""Cutting a model into pipeline stages: its layers in order, each layer's cost, and the
contiguous split of the layers into stages whose largest cost is as small as it can be.

A pipeline (`learnlab.scale.pipeline`) runs the stages on separate processes; the slowest
stage sets the pace of all of them, so the split balances a cost: the parameter count (memory,
the reason to split a model too large for one device) or the FLOPs of one example's forward
pass (time, measured by torch.utils.flop_counter). The stages keep the layers' names, so
`stage.named_parameters()` names match those of `sequential_layers(model)`.

Example:
    >>> from learnlab.models.registry import build_model
    >>> model = build_model("mlp", (1, 28, 28), 10, depth=4, width=256)
    >>> [[name for name, _ in stage.named_children()] for stage in split_stages(model, 2)]
    [['flatten', 'fc1', 'act1'], ['fc2', 'act2', 'fc3', 'act3', 'fc4', 'act4', 'out']]
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal

from torch import nn

from learnlab.io.errors import ConfigError

Balance = Literal["parameters", "flops"]
BALANCES: tuple[str, ...] = ("parameters", "flops")


def sequential_layers(model: nn.Module | Sequence[nn.Module]) -> nn.Sequential:
    """`model`'s layers in the order its forward pass runs them, as a plain nn.Sequential that
    shares the layers (and so the parameters) with `model`.

    Takes an nn.Sequential (nested ones are opened), a list of layers, or a model made of a
    `features` and a `classifier` Sequential whose forward is
    `classifier(features(x).flatten(1))` (LeNet-5, the MNIST CNN); anything else is a
    ConfigError, since its forward pass may do more than call its layers in turn."""
    if isinstance(model, (nn.Sequential, list, tuple)):
        items = model.named_children() if isinstance(model, nn.Module) else enumerate(model)
        return nn.Sequential(OrderedDict(_opened(items)))
    features, classifier = getattr(model, "features", None), getattr(model, "classifier", None)
    if isinstance(features, nn.Sequential) and isinstance(classifier, nn.Sequential):
        named = [*_opened(features.named_children()), ("flatten", nn.Flatten())]
        taken = {name for name, _ in named}
        for name, layer in _opened(classifier.named_children()):
            named.append((f"classifier_{name}" if name in taken else name, layer))
        return nn.Sequential(OrderedDict(named))
    raise ConfigError(
        f"cannot split a {type(model).__name__} into pipeline stages: its forward pass is not "
        "a sequence of layers. Give an nn.Sequential, a list of layers, or a model with "
        "`features` and `classifier` Sequentials (such as 'lenet5')."
    )


def _opened(items) -> list[tuple[str, nn.Module]]:
    """(name, layer) pairs with nested Sequentials replaced by their layers."""
    opened: list[tuple[str, nn.Module]] = []
    for name, layer in items:
        if isinstance(layer, nn.Sequential):
            opened += [(f"{name}_{inner}", sub) for inner, sub in _opened(layer.named_children())]
        else:
            opened.append((str(name), layer))
    return opened


def layer_costs(
    layers: nn.Sequential, balance: str = "parameters", input_shape: tuple[int, ...] | None = None
) -> list[float]:
    """Each layer's cost: its parameter count, or the FLOPs of its forward pass on one example
    of `input_shape` (which `balance="flops"` needs)."""
    check_balance(balance)
    if balance == "parameters":
        return [float(sum(p.numel() for p in layer.parameters())) for layer in layers]
    if input_shape is None:
        raise ConfigError("balance='flops' needs input_shape, the shape of one example.")
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    costs, x = [], torch.zeros(1, *input_shape)
    with torch.no_grad():
        for layer in layers:
            with FlopCounterMode(display=False) as counter:
                x = layer(x)
            costs.append(float(counter.get_total_flops()))
    return costs


def balanced_boundaries(costs: Sequence[float], stages: int) -> list[int]:
    """Cut points 0 = b_0 < b_1 < ... < b_stages = len(costs) such that stage k takes layers
    b_k .. b_{k+1} - 1 and the largest stage cost is the least possible (dynamic programming
    over the prefix sums; each stage gets at least one layer).

    >>> balanced_boundaries([1, 0, 1, 0, 2], 2)
    [0, 4, 5]
    """
    check_stages(stages, len(costs))
    prefix = [0.0]
    for cost in costs:
        prefix.append(prefix[-1] + cost)
    n = len(costs)
    inf = float("inf")
    # best[k][j]: the least largest cost of the first j layers in k stages; cut[k][j] its cut
    best = [[inf] * (n + 1) for _ in range(stages + 1)]
    cut = [[0] * (n + 1) for _ in range(stages + 1)]
    best[0][0] = 0.0
    for k in range(1, stages + 1):
        for j in range(k, n - (stages - k) + 1):
            for i in range(k - 1, j):
                largest = max(best[k - 1][i], prefix[j] - prefix[i])
                if largest <= best[k][j]:  # ties: the latest cut, so that a layer
                    # without cost (an activation) stays with the layer before it
                    best[k][j], cut[k][j] = largest, i
    bounds = [n]
    for k in range(stages, 0, -1):
        bounds.append(cut[k][bounds[-1]])
    return bounds[::-1]


def split_stages(
    model: nn.Module | Sequence[nn.Module],
    stages: int,
    balance: str = "parameters",
    input_shape: tuple[int, ...] | None = None,
) -> list[nn.Sequential]:
    """`model`'s layers (`sequential_layers`) cut into `stages` contiguous nn.Sequentials,
    balanced by `balance`; the stages share the layers with `model`."""
    layers = sequential_layers(model)
    bounds = balanced_boundaries(layer_costs(layers, balance, input_shape), stages)
    return [layers[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def check_stages(stages: object, layers: int) -> int:
    if isinstance(stages, bool) or not isinstance(stages, int) or not 1 <= stages <= layers:
        raise ConfigError(
            f"stages={stages!r} is not allowed: a pipeline needs at least 1 stage and at most "
            f"one per layer, and this model has {layers} layers. Choose stages in 1..{layers}."
        )
    return stages


def check_balance(balance: object) -> str:
    if balance not in BALANCES:
        raise ConfigError(
            f"balance={balance!r} is not a way to balance stages; choose one of "
            f"{', '.join(BALANCES)}."
        )
    return str(balance)
