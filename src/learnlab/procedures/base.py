"""One phase of training through the Trainer: the building block of every procedure.

A procedure (pre-train then fine-tune, freeze then unfreeze, teacher then student) is a
sequence of phases. Each phase is a `Stage` (how long and with which optimizer) handed to
`train_stage`, which builds the optimizer over the parameters that train in that phase and
runs one `Trainer.fit`; what it returns is the Trainer's history for that phase.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.objectives.supervised import CrossEntropy
    >>> model = torch.nn.Linear(4, 3)
    >>> loader = TensorLoader(torch.randn(32, 4), torch.randint(0, 3, (32,)), batch_size=8, seed=0)
    >>> phase = train_stage(model, CrossEntropy(), loader, Stage(epochs=2, lr=0.1), name="fit")
    >>> (phase.name, len(phase.history))
    ('fit', 2)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective, as_objective
from learnlab.train.events import Callback
from learnlab.train.optimizers import build_optimizer
from learnlab.train.trainer import Trainer


@dataclass(frozen=True)
class Stage:
    """How one phase trains: epochs, and the optimizer by name (`learnlab.train.optimizers`)."""

    epochs: int
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.epochs, bool) or not isinstance(self.epochs, int) or self.epochs < 0:
            raise ConfigError(
                f"a stage's epochs must be an integer >= 0, got {self.epochs!r}; "
                "use 0 to skip the phase"
            )
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


@dataclass(frozen=True)
class StageHistory:
    """What one phase did: its name and the Trainer's per-epoch records."""

    name: str
    history: tuple[dict[str, float], ...]

    def last(self, key: str) -> float:
        """The last epoch's value of `key` (e.g. "val_accuracy"); KeyError naming what exists."""
        if not self.history or key not in self.history[-1]:
            have = sorted(self.history[-1]) if self.history else []
            raise KeyError(f"phase {self.name!r} has no {key!r}; it recorded {have}")
        return self.history[-1][key]


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters of `model` with requires_grad set: what a phase after freezing trains."""
    return [p for p in model.parameters() if p.requires_grad]


def train_stage(
    model: nn.Module,
    objective: Objective | Any,
    train_loader: Iterable[Any],
    stage: Stage,
    *,
    name: str,
    parameters: Iterable[torch.Tensor] | Iterable[dict[str, Any]] | None = None,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> StageHistory:
    """Train `model` on `objective` for `stage.epochs` epochs with a fresh optimizer.

    `parameters` (tensors or torch parameter groups, e.g. one lr per layer) defaults to the
    model's trainable parameters; the objective's own trainable modules are always added.
    A stage of 0 epochs trains nothing and returns an empty history.
    """
    objective = as_objective(objective)
    if stage.epochs == 0:
        return StageHistory(name, ())
    chosen = list(trainable_parameters(model) if parameters is None else parameters)
    extra = [p for module in objective.extra_modules() for p in module.parameters()]
    if extra:
        if chosen and isinstance(chosen[0], dict):
            chosen.append({"params": extra})
        else:
            chosen.extend(extra)
    if not chosen:
        raise ConfigError(
            f"phase {name!r} has nothing to train: every parameter is frozen; unfreeze a layer "
            "or give the phase 0 epochs"
        )
    optimizer = build_optimizer(
        stage.optimizer,
        chosen,
        lr=stage.lr,
        weight_decay=stage.weight_decay,
        momentum=stage.momentum,
        options=dict(stage.options),
    )
    trainer = Trainer(model, objective, optimizer, callbacks=callbacks)
    history = trainer.fit(train_loader, stage.epochs, val_loader)
    return StageHistory(name, tuple(dict(record) for record in history))
