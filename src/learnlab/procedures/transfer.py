"""Transfer: freeze the first k layers of a trained network and fine-tune the rest (L1, L4).

The lecture's recipe (Yosinski et al. 2014, "How transferable are features in deep neural
networks?"): a network trained on one task gives its first k layers to a network for another
task with few labelled examples; those layers are frozen and the layers above them retrained.
Two refinements of Howard & Ruder (2018), "Universal language model fine-tuning for text
classification" (ULMFiT), for fine-tuning more than the top:

- discriminative learning rates: layer l trains at lr / decay^(L-1-l), the top layer at lr and
  each layer below at its upper neighbour's rate divided by `decay` (ULMFiT's 2.6);
- gradual unfreezing: the top layer trains alone first, then one more layer from the top joins
  every `epochs_per_layer` epochs, until every layer above the first k trains.

What a "layer" is (`model_layers`): by default, every module that holds parameters of its own
(a Linear, a Conv2d, an Embedding, an LSTM...), in the order the model registers them, with a
normalisation layer (batch, layer or group norm) joined to the layer before it, as fc1 and
norm1 of an MLP's hidden block. The registered `mlp` of depth 2 has 3 layers (fc1, fc2, out),
`lenet5` 5 (conv1, conv2, fc1, fc2, out). Where that is not what "layer" should mean (a
residual block, a transformer block), pass `layers=` a list of module names (as in
`model.named_modules()`), each name or list of names one layer, bottom to top; together they
must hold every parameter of the model exactly once.

Frozen layers: requires_grad is switched off, so no optimizer sees them (no update, no weight
decay). Their batch-norm layers are put in eval mode before every batch (`FrozenNorms`): a
frozen layer keeps the running statistics it was trained with, and normalises by them, as the
network it came from did at test time; otherwise train mode would replace the statistics of
the source data by those of a few target batches. Dropout in frozen layers (no parameters)
keeps working as in any training. On return the first k layers are still frozen.

Each phase is one `procedures.base.train_stage` with a fresh optimizer; discriminative rates
are its parameter groups.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.objectives.supervised import CrossEntropy
    >>> from learnlab.procedures.base import Stage
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    >>> [layer.name for layer in model_layers(net)]
    ['0', '2']
    >>> loader = TensorLoader(torch.randn(32, 4), torch.randint(0, 3, (32,)), batch_size=8, seed=0)
    >>> done = fine_tune(net, CrossEntropy(), loader, Stage(epochs=2, lr=0.01), k=1)
    >>> (done.frozen, [p.name for p in done.phases])
    (('0',), ['fine-tune'])
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback

# normalisation layers belong to the layer whose output they normalise (the one before them)
NORMS: tuple[type[nn.Module], ...] = (
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.BatchNorm3d,
    nn.SyncBatchNorm,
    nn.InstanceNorm1d,
    nn.InstanceNorm2d,
    nn.InstanceNorm3d,
    nn.LayerNorm,
    nn.GroupNorm,
)
ULMFIT_DECAY = 2.6  # Howard & Ruder (2018): lr of layer l-1 = lr of layer l / 2.6


@dataclass(frozen=True)
class Layer:
    """One layer: its name and the modules whose parameters it holds (`own`: only their own
    parameters, not their children's, as the default split counts them)."""

    name: str
    modules: tuple[nn.Module, ...]
    own: bool = False

    def parameters(self) -> list[nn.Parameter]:
        params = [p for m in self.modules for p in m.parameters(recurse=not self.own)]
        return list({id(p): p for p in params}.values())  # a tied weight once

    def norms(self) -> list[nn.Module]:
        found = self.modules if self.own else [s for m in self.modules for s in m.modules()]
        return [m for m in found if isinstance(m, NORMS)]


@dataclass(frozen=True)
class TransferResult:
    """The fine-tuned model, one StageHistory per phase, the layers' names and the frozen ones."""

    model: nn.Module
    phases: tuple[StageHistory, ...]
    layers: tuple[str, ...]
    frozen: tuple[str, ...]


def model_layers(model: nn.Module, layers: Sequence[str | Sequence[str]] | None = None):
    """The layers of `model`, bottom to top (see the module docstring); `layers` overrides."""
    if layers is not None:
        return _named_layers(model, layers)
    found: list[tuple[str, list[nn.Module]]] = []
    for name, module in model.named_modules():
        if not any(True for _ in module.parameters(recurse=False)):
            continue
        if isinstance(module, NORMS) and found:
            found[-1][1].append(module)
        else:
            found.append((name or type(model).__name__, [module]))
    return tuple(Layer(name, tuple(modules), own=True) for name, modules in found)


def _named_layers(model: nn.Module, layers: Sequence[str | Sequence[str]]) -> tuple[Layer, ...]:
    named = dict(model.named_modules())
    result = []
    for entry in layers:
        names = [entry] if isinstance(entry, str) else list(entry)
        for name in names:
            if name not in named or not name:
                close = difflib.get_close_matches(str(name), [n for n in named if n], n=3)
                raise ConfigError(
                    f"layers: {model.__class__.__name__} has no submodule {name!r}"
                    + (f"; did you mean {', '.join(map(repr, close))}?" if close else "")
                    + " Name submodules as model.named_modules() does, e.g. 'features.conv1'."
                )
        result.append(Layer("+".join(names), tuple(named[n] for n in names)))
    counts: dict[int, int] = {}
    for layer in result:
        for p in layer.parameters():
            counts[id(p)] = counts.get(id(p), 0) + 1
    names = {id(p): n for n, p in model.named_parameters()}
    twice = [names[i] for i, c in counts.items() if c > 1]
    missed = [n for i, n in names.items() if i not in counts]
    if twice or missed:
        raise ConfigError(
            "layers must hold every parameter of the model exactly once; "
            + (f"in two layers: {twice[:5]}; " if twice else "")
            + (f"in none: {missed[:5]}; " if missed else "")
            + "list disjoint submodules that together cover the model, bottom to top."
        )
    return tuple(result)


def check_frozen_count(k: Any, layers: Sequence[Layer], *, setting: str = "k") -> int:
    """`k` as an int in 0..len(layers), or a ConfigError naming k, the count and the layers."""
    count = len(layers)
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= count:
        raise ConfigError(
            f"{setting}={k!r}: the number of frozen layers must be an integer from 0 to the "
            f"model's {count} layers ({', '.join(layer.name for layer in layers)}); choose "
            f"{setting} <= {count}, or pass layers= to split the model otherwise."
        )
    return k


def freeze_first(layers: Sequence[Layer], k: int) -> None:
    """requires_grad off for the first k layers' parameters and on for the others'."""
    check_frozen_count(k, layers)
    for index, layer in enumerate(layers):
        for p in layer.parameters():
            p.requires_grad_(index >= k)


def replace_head(model: nn.Module, num_outputs: int, layers: Sequence[Layer] | None = None):
    """Replace the top layer, which must be one nn.Linear, by a new, randomly initialised
    nn.Linear with `num_outputs` outputs (a new task's classes); returns the new layer."""
    top = (layers or model_layers(model))[-1]
    if len(top.modules) != 1 or not isinstance(top.modules[0], nn.Linear):
        raise ConfigError(
            f"the new head replaces the top layer {top.name!r}, which must be one nn.Linear; "
            "give layers= whose last entry is the output Linear, or build the head yourself."
        )
    old = top.modules[0]
    path = next(name for name, m in model.named_modules() if m is old)
    if not path:
        raise ConfigError("the model is a single Linear layer: build the new one directly.")
    parent_name, _, attribute = path.rpartition(".")
    head = nn.Linear(old.in_features, num_outputs, bias=old.bias is not None)
    setattr(model.get_submodule(parent_name), attribute, head.to(old.weight.device))
    return head


def discriminative_groups(
    layers: Sequence[Layer], lr: float, decay: float | None, *, start: int = 0
) -> list[dict[str, Any]]:
    """Parameter groups for layers[start:]: the top at `lr`, each layer below at its upper
    neighbour's lr / `decay` (None or 1: every layer at `lr`)."""
    if decay is not None and not (math.isfinite(decay) and decay >= 1):
        raise ConfigError(
            f"decay={decay!r}: discriminative learning rates divide the lr by decay per layer "
            f"down from the top; use a finite decay >= 1 (ULMFiT's {ULMFIT_DECAY}; 1: one lr)."
        )
    top = len(layers) - 1
    return [
        {"params": layer.parameters(), "lr": lr / (decay or 1.0) ** (top - index)}
        for index, layer in enumerate(layers)
        if index >= start
    ]


class FrozenNorms(Callback):
    """Puts the normalisation layers of frozen layers in eval mode before every batch (the
    Trainer sets the whole model to train mode each epoch): they keep their statistics."""

    order = 5

    def __init__(self, norms: Iterable[nn.Module]) -> None:
        self.norms = list(norms)

    def before_batch(self, trainer: Any) -> None:
        for norm in self.norms:
            norm.eval()


def fine_tune(
    model: nn.Module,
    objective: Any,
    train_loader: Iterable[Any],
    stage: Stage,
    *,
    k: int = 0,
    layers: Sequence[str | Sequence[str]] | None = None,
    decay: float | None = None,
    gradual: bool = False,
    epochs_per_layer: int = 1,
    num_outputs: int | None = None,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
    name: str = "fine-tune",
) -> TransferResult:
    """Freeze the first `k` layers of `model` and train the rest for `stage.epochs` epochs.

    `decay`: discriminative learning rates (see `discriminative_groups`; None: one lr).
    `gradual`: gradual unfreezing: phase j (j = 1, 2, ...) trains the top j layers for
    `epochs_per_layer` epochs, the last phase (every layer above k) the remaining epochs.
    `num_outputs`: first replace the top layer by a new head with this many outputs (a new
    task's classes; see `replace_head`), which then must train (k < the number of layers).
    k equal to the number of layers trains nothing (the transferred model as it is).
    """
    split = model_layers(model, layers)
    check_frozen_count(k, split)
    if num_outputs is not None:
        if k == len(split):
            raise ConfigError(
                f"k={k} freezes all {k} layers, the new head too; choose k <= {k - 1} so that "
                "the new head trains, or leave num_outputs out."
            )
        replace_head(model, num_outputs, split)
        split = model_layers(model, layers)
    trained = len(split) - k
    if gradual:
        _check_gradual(trained, epochs_per_layer, stage.epochs)
    steps = [trained] if not gradual else list(range(1, trained + 1))
    phases, used = [], 0
    for unfrozen in steps if trained else []:
        bottom = len(split) - unfrozen
        last = unfrozen == trained
        epochs = stage.epochs - used if last else epochs_per_layer
        used += epochs
        freeze_first(split, bottom)
        frozen_norms = [n for layer in split[:bottom] for n in layer.norms()]
        phases.append(
            train_stage(
                model,
                objective,
                train_loader,
                replace(stage, epochs=epochs),
                name=name if not gradual else f"{name}: top {unfrozen} layer(s)",
                parameters=discriminative_groups(split, stage.lr, decay, start=bottom),
                val_loader=val_loader,
                callbacks=[FrozenNorms(frozen_norms), *callbacks],
            )
        )
    freeze_first(split, k)
    names = tuple(layer.name for layer in split)
    return TransferResult(model, tuple(phases), names, names[:k])


def _check_gradual(trained: int, epochs_per_layer: Any, epochs: int) -> None:
    if isinstance(epochs_per_layer, bool) or not isinstance(epochs_per_layer, int):
        epochs_per_layer = 0
    needed = (trained - 1) * epochs_per_layer + 1
    if epochs_per_layer < 1 or (trained and epochs < needed):
        raise ConfigError(
            f"gradual unfreezing of {trained} layer(s) with epochs_per_layer="
            f"{epochs_per_layer} needs epochs_per_layer >= 1 and epochs >= (layers - 1) * "
            f"epochs_per_layer + 1 = {max(needed, 1)}, got epochs={epochs}; give more epochs, "
            "fewer epochs per layer or a larger k."
        )
