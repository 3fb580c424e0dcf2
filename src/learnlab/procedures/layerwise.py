"""Greedy layer-wise supervised pre-training, then fine-tuning of the whole network (L4).

The lecture's procedure (after Hinton, Osindero & Teh 2006, "A fast learning algorithm for
deep belief nets", which pre-trained one layer at a time, and Bengio, Lamblin, Popovici &
Larochelle 2007, "Greedy layer-wise training of deep networks", whose supervised variant this
is): a deep network that is hard to train end to end is built one hidden layer at a time.

    phase 1:  input -> hidden 1 -> temporary output layer          train hidden 1 and the head
    phase k:  input -> [hidden 1..k-1, fixed] -> hidden k -> new temporary output layer
              train only hidden k and its head ("training only on the second layer")
    last:     fine-tune: the whole network, every layer, end to end

The phase of the top hidden layer uses the model's own output layer as its head, so the
network that leaves pre-training is complete; the other temporary heads are discarded.
With `freeze_lower=False` each phase trains every layer built so far (hidden 1..k and the
head) instead: a network grown by one layer per phase (the lecture's version freezes them).

Every phase is one `procedures.base.train_stage` with its `Stage`; the model is trained in
place (its own modules) and returned in a `LayerwiseResult` with one `StageHistory` per phase.
The unsupervised variant, each layer an autoencoder of the codes below it, is
`procedures.layerwise_autoencoder.greedy_autoencoder`. The model must split into layers
(`procedures.layer_stack.split_layers`): an nn.Sequential of Linear layers and activations.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    >>> nn = torch.nn
    >>> model = nn.Sequential(nn.Linear(6, 8), nn.Sigmoid(), nn.Linear(8, 8), nn.Sigmoid(),
    ...                       nn.Linear(8, 3))
    >>> loader = TensorLoader(x, y, batch_size=16, seed=0)
    >>> result = greedy_supervised(model, loader, Stage(epochs=1), Stage(epochs=2))
    >>> [(phase.name, len(phase.history)) for phase in result.phases]
    [('supervised layer 1', 1), ('supervised layer 2', 1), ('fine-tune', 2)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from torch import nn

from learnlab.objectives.base import Objective
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.procedures.layer_stack import FrozenFeatures, LayerStack, split_layers
from learnlab.train.events import Callback

FINE_TUNE = "fine-tune"


@dataclass(frozen=True)
class LayerwiseResult:
    """The trained model (the one given, trained in place) and its phases in order: one per
    hidden layer, then the fine-tuning."""

    model: nn.Module
    phases: tuple[StageHistory, ...]

    @property
    def pretraining(self) -> tuple[StageHistory, ...]:
        return self.phases[:-1]

    @property
    def fine_tuning(self) -> StageHistory:
        return self.phases[-1]


def default_objective(objective: Objective | Any | None) -> Objective | Any:
    """`objective`, or the cross-entropy of class labels when none is given."""
    if objective is not None:
        return objective
    from learnlab.objectives.supervised import CrossEntropy

    return CrossEntropy()


def supervised_phase_network(
    stack: LayerStack, k: int, freeze_lower: bool
) -> tuple[nn.Sequential, list[nn.Parameter]]:
    """The network of phase k (0-based) and the parameters it trains: the layers below k
    (fixed when `freeze_lower`), hidden layer k, and a head (the model's own on the top layer)."""
    head = stack.head if k == stack.depth - 1 else stack.temporary_head(k)
    below = stack.below(k)
    block = stack.blocks[k]
    if freeze_lower:
        network = nn.Sequential(FrozenFeatures(below), block, head)
        trained = [*block.parameters(), *head.parameters()]
    else:
        network = nn.Sequential(*below, block, head)
        trained = list(network.parameters())
    return network, [p for p in trained if p.requires_grad]


def fine_tune(
    model: nn.Module,
    objective: Objective | Any,
    train_loader: Iterable[Any],
    stage: Stage,
    *,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> StageHistory:
    """The last phase: every trainable parameter of the model, end to end."""
    return train_stage(
        model,
        objective,
        train_loader,
        stage,
        name=FINE_TUNE,
        val_loader=val_loader,
        callbacks=callbacks,
    )


def greedy_supervised(
    model: nn.Module,
    train_loader: Iterable[Any],
    pretrain: Stage,
    fine_tuning: Stage,
    *,
    objective: Objective | Any | None = None,
    freeze_lower: bool = True,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> LayerwiseResult:
    """Pre-train `model`'s hidden layers one at a time with supervised temporary heads (each
    phase `pretrain`), then fine-tune it whole (`fine_tuning`); `objective` defaults to the
    cross-entropy of labels. ConfigError if the model does not split into layers."""
    stack = split_layers(model)
    objective = default_objective(objective)
    callbacks = tuple(callbacks)
    phases = []
    for k in range(stack.depth):
        network, trained = supervised_phase_network(stack, k, freeze_lower)
        phases.append(
            train_stage(
                network,
                objective,
                train_loader,
                pretrain,
                name=f"supervised layer {k + 1}",
                parameters=trained,
                val_loader=val_loader,
                callbacks=callbacks,
            )
        )
    phases.append(
        fine_tune(
            model,
            objective,
            train_loader,
            fine_tuning,
            val_loader=val_loader,
            callbacks=callbacks,
        )
    )
    return LayerwiseResult(model, tuple(phases))
