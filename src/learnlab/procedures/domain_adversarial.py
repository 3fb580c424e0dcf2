"""Domain-adversarial training (DANN, Ganin & Lempitsky 2015) through the Trainer.

The objective is `learnlab.objectives.domain_adversarial.DomainAdversarial`; this module feeds
it batches of `(x_source, y_source, x_target)` (`DomainPairs`: one epoch is one pass over the
source, the target loader cycling beside it) and moves its schedules with the training
progress p = step / total steps (`DannSchedule`, before each step): the reversal's scale
lambda_p and, with `anneal_lr`, the papers' learning rate mu_p = mu_0 / (1 + 10 p) ** 0.75.
p is read from the Trainer's step count, so a resumed run continues the same schedules.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.objectives.domain_adversarial import DomainAdversarial
    >>> from learnlab.procedures.base import Stage
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> dann = DomainAdversarial(model, feature_layer="1", domain_classifier=nn.Linear(8, 1))
    >>> source = TensorLoader(torch.randn(16, 4), torch.randint(0, 3, (16,)), batch_size=8)
    >>> target = TensorLoader(torch.randn(12, 4), batch_size=8)
    >>> phase = train_domain_adversarial(model, dann, DomainPairs(source, target), Stage(2))
    >>> len(phase.history), dann.progress
    (2, 0.75)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torch import nn

from learnlab.objectives.domain_adversarial import DomainAdversarial, annealed_learning_rate
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback


class DomainPairs:
    """Batches `(x_source, y_source, x_target)`: each source batch `(x, y)` with the next
    target batch (its first tensor), the target loader starting over when it runs out."""

    def __init__(self, source: Any, target: Any) -> None:
        self.source, self.target = source, target
        self._target_batches: Iterator[Any] | None = None

    def __len__(self) -> int:
        return len(self.source)

    def _next_target(self) -> Any:
        if self._target_batches is not None:
            batch = next(self._target_batches, None)
            if batch is not None:
                return batch
        self._target_batches = iter(self.target)
        return next(self._target_batches)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        for x_source, y_source, *_ in self.source:
            target = self._next_target()
            yield x_source, y_source, target[0] if isinstance(target, (tuple, list)) else target

    def state_dict(self) -> dict[str, Any]:
        return {"source": self.source.state_dict(), "target": self.target.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.source.load_state_dict(state["source"])
        self.target.load_state_dict(state["target"])
        self._target_batches = None


class DannSchedule(Callback):
    """Before each step: progress p = step / total_steps to the objective (lambda_p), and
    with `anneal_lr` the learning rate of every parameter group to mu_p (mu_0 its lr at the
    start). With `objective=None` only the learning rate moves: the baselines of a comparison
    (source only, target only) then train with the same learning rates as DANN."""

    order = 5

    def __init__(
        self, objective: DomainAdversarial | None, total_steps: int, anneal_lr: bool
    ) -> None:
        self.objective, self.total_steps, self.anneal_lr = objective, total_steps, anneal_lr
        self.initial_lrs: list[float] = []

    def before_fit(self, trainer: Any) -> None:
        if not self.initial_lrs:
            self.initial_lrs = [
                g.get("initial_lr", g["lr"]) for g in trainer.optimizer.param_groups
            ]

    def before_batch(self, trainer: Any) -> None:
        p = min(1.0, trainer.step / self.total_steps)
        if self.objective is not None:
            self.objective.set_progress(p)
        if self.anneal_lr:
            for group, lr in zip(trainer.optimizer.param_groups, self.initial_lrs, strict=True):
                group["lr"] = annealed_learning_rate(p, lr)

    def state_dict(self) -> dict[str, Any]:
        return {"initial_lrs": list(self.initial_lrs)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.initial_lrs = list(state.get("initial_lrs", []))


def train_domain_adversarial(
    model: nn.Module,
    objective: DomainAdversarial,
    pairs: DomainPairs,
    stage: Stage,
    *,
    anneal_lr: bool = False,
    name: str = "dann",
) -> StageHistory:
    """Train `model` and the objective's domain classifier on `pairs` for `stage.epochs`."""
    total_steps = max(1, stage.epochs * len(pairs))
    schedule = DannSchedule(objective, total_steps, anneal_lr)
    return train_stage(model, objective, pairs, stage, name=name, callbacks=[schedule])
