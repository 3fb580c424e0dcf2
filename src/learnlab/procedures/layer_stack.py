"""An MLP seen as a stack of layers, for procedures that train it layer by layer.

Greedy layer-wise pre-training (`procedures.layerwise`) needs to know where one hidden layer
ends and the next begins. `split_layers(model)` reads that from an `nn.Sequential` (nested
ones are flattened) whose parameters all sit in `nn.Linear` layers and normalisation layers:

    prefix   the parameter-free modules before the first Linear (nn.Flatten)
    blocks   one per hidden layer: its Linear and what follows it up to the next Linear
             (normalisation, activation, dropout)
    head     the last Linear (the output layer) and any parameter-free modules after it

The blocks hold the model's own modules, so training a block trains the model. The registered
`mlp` (flatten, [fc, norm, act, drop] x depth, out) and a user's nn.Sequential(nn.Flatten(),
nn.Linear(784, 256), nn.Sigmoid(), ..., nn.Linear(256, 10)) both split; anything else (a
convolution, a residual block, a module that is not an nn.Sequential) is a ConfigError that
says which structure is needed.

`FrozenFeatures(layers)` wraps the layers below the one in training: evaluated without
gradients and kept in eval mode (so that dropout is off and batch-norm statistics stay as they
were), whatever mode the Trainer sets on the network around them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from learnlab.io.errors import ConfigError

# layers with parameters that may follow a hidden layer's Linear inside its block
NORM_LAYERS: tuple[type[nn.Module], ...] = (nn.BatchNorm1d, nn.LayerNorm)

NEEDED = (
    "an nn.Sequential of nn.Linear layers with activations between them (such as the "
    "registered `mlp`, or nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.Sigmoid(), "
    "nn.Linear(256, 10)))"
)


@dataclass(frozen=True)
class LayerStack:
    """The model's modules grouped as prefix, hidden blocks and output head (see module doc)."""

    prefix: tuple[nn.Module, ...]
    blocks: tuple[nn.Sequential, ...]
    head: nn.Sequential

    @property
    def depth(self) -> int:
        """The number of hidden layers."""
        return len(self.blocks)

    def linear(self, k: int) -> nn.Linear:
        """The Linear layer of hidden block k (0-based)."""
        return self.blocks[k][0]

    def width(self, k: int) -> int:
        """The number of units of hidden layer k: what its block outputs."""
        return self.linear(k).out_features

    @property
    def output_linear(self) -> nn.Linear:
        return self.head[0]

    def below(self, k: int) -> nn.Sequential:
        """The prefix and the blocks under block k: what turns an input into block k's input."""
        return nn.Sequential(*self.prefix, *self.blocks[:k])

    def temporary_head(self, k: int) -> nn.Sequential:
        """A new output layer on top of hidden layer k (freshly initialised, the head's dtype
        and device), followed by the head's own parameter-free modules."""
        out = self.output_linear
        linear = nn.Linear(
            self.width(k),
            out.out_features,
            bias=out.bias is not None,
            device=out.weight.device,
            dtype=out.weight.dtype,
        )
        return nn.Sequential(linear, *list(self.head)[1:])


def _leaves(module: nn.Module, name: str) -> Iterator[tuple[str, nn.Module]]:
    """The modules of a (nested) nn.Sequential in order, with dotted names."""
    if isinstance(module, nn.Sequential):
        for child_name, child in module.named_children():
            yield from _leaves(child, f"{name}.{child_name}" if name else child_name)
    else:
        yield name, module


def _has_parameters(module: nn.Module) -> bool:
    return next(module.parameters(), None) is not None


def split_layers(model: nn.Module) -> LayerStack:
    """`model` as prefix, hidden blocks and head; ConfigError if it is not an MLP of that form."""
    if not isinstance(model, nn.Sequential):
        raise ConfigError(
            f"layer-wise training needs {NEEDED}; got a {type(model).__name__}, which it cannot "
            "split into layers. Build the network as an nn.Sequential, or train it end to end."
        )
    prefix: list[nn.Module] = []
    groups: list[list[nn.Module]] = []
    for name, module in _leaves(model, ""):
        if isinstance(module, nn.Linear):
            groups.append([module])
        elif _has_parameters(module) and not (groups and isinstance(module, NORM_LAYERS)):
            where = "before the first nn.Linear" if isinstance(module, NORM_LAYERS) else ""
            raise ConfigError(
                f"layer-wise training needs {NEEDED}; module {name!r} "
                f"({type(module).__name__}) {where or 'has parameters but is not an nn.Linear'}"
                " and cannot be assigned to one layer. Only nn.Linear layers and the "
                "normalisation layers after them (BatchNorm1d, LayerNorm) may have parameters."
            )
        elif groups:
            groups[-1].append(module)
        else:
            prefix.append(module)
    if len(groups) < 2:
        raise ConfigError(
            f"layer-wise training needs at least one hidden layer, i.e. two nn.Linear layers "
            f"(hidden, output); the model has {len(groups)}. Use a deeper model (mlp depth >= 1)."
        )
    head = groups[-1]
    if any(_has_parameters(m) for m in head[1:]):
        raise ConfigError(
            f"layer-wise training needs {NEEDED}; the output nn.Linear is followed by a layer "
            "with parameters. End the model with its output nn.Linear (and parameter-free "
            "modules such as nn.LogSoftmax)."
        )
    return LayerStack(
        tuple(prefix), tuple(nn.Sequential(*group) for group in groups[:-1]), nn.Sequential(*head)
    )


class FrozenFeatures(nn.Module):
    """`layers` evaluated without gradients and always in eval mode: the fixed layers below
    the one a phase trains."""

    def __init__(self, layers: nn.Module) -> None:
        super().__init__()
        self.layers = layers.eval()

    def train(self, mode: bool = True) -> FrozenFeatures:
        super().train(mode)
        self.layers.eval()  # dropout off, batch-norm statistics left as they are
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return self.layers(x)
