"""Curriculum learning: easy examples first, the hard ones let in as training goes on.

Bengio, Louradour, Collobert & Weston (2009), "Curriculum learning" (ICML); the pacing
functions and the scoring by a teacher follow Hacohen & Weinshall (2019), "On the power of
curriculum learning in training deep networks" (ICML). Lecture L4: "Can have easier/harder
examples in training data. Gradually increase proportion of hard examples."

Two choices make a curriculum:

- the difficulty of each example: given (a score per example), or the per-example loss of a
  teacher, a model trained beforehand (`teacher_difficulty`; Hacohen & Weinshall's "transfer
  scoring" uses a network trained on other data, "self-taught" the same network trained once
  without a curriculum);
- a pacing function g(t) in (0, 1] (`Pacing`): at step t the batch is drawn uniformly, without
  replacement within the batch, from the ceil(g(t) N) easiest of the N examples (at least one
  batch's worth).

`CurriculumLoader` yields those batches; the Trainer iterates it like any loader, so a
curriculum trains through `procedures.base.train_stage` (`train_with_curriculum`). Its
`order` gives the controls: "curriculum" (easiest first), "anti" (hardest first, the
anti-curriculum) and "random" (a seeded random order with the same pacing: Hacohen &
Weinshall's random-scoring control). Pacing "full" (g = 1) is the plain schedule: uniform
batches from all the data, the same number of steps.

Randomness comes only from the loader's own generator (seeded with `seed`). The loader is
resumable to the exact batch: `state_dict()` holds the global step, the position in the epoch
and the generator state after the last batch; after `load_state_dict`, the next `iter()`
finishes the interrupted epoch with the batches an uninterrupted run would have drawn (the
Trainer's checkpoints use this).

Example:
    >>> x, y = torch.randn(100, 3), torch.randint(0, 2, (100,))
    >>> pacing = Pacing("linear", start=0.2, ramp_steps=10)
    >>> loader = CurriculumLoader(x, y, difficulty=torch.arange(100.0), pacing=pacing,
    ...                           batch_size=8, steps_per_epoch=5, seed=0)
    >>> [loader.available(t) for t in (0, 5, 10)]
    [20, 60, 100]
    >>> int(next(iter(loader))[1].numel())
    8
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback

PACINGS = ("fixed-exponential", "step", "linear", "root", "full")
ORDERS = ("curriculum", "anti", "random")


@dataclass(frozen=True)
class Pacing:
    """g(t): the fraction of the easiest examples available at step t, from `start` at step 0
    to 1 at `ramp_steps` (and after), by `kind`:

    - "fixed-exponential": start * increase^k at the k-th of equal stages (Hacohen &
      Weinshall's fixed exponential pacing), the stage length chosen to reach 1 at ramp_steps;
    - "step": start until ramp_steps, then 1 (their single-step pacing);
    - "linear": start + (1 - start) t / ramp_steps;
    - "root": sqrt(start^2 + (1 - start^2) t / ramp_steps) (Platanios et al. 2019's
      competence): it lets hard examples in faster at first than linear;
    - "full": 1 at every step (no curriculum: the plain schedule).
    """

    kind: str = "linear"
    start: float = 0.2
    ramp_steps: int = 1000
    increase: float = 2.0

    def __post_init__(self) -> None:
        if self.kind not in PACINGS:
            raise ConfigError(f"pacing {self.kind!r} is unknown; use one of {', '.join(PACINGS)}")
        if not isinstance(self.start, (int, float)) or not 0 < self.start <= 1:
            raise ConfigError(
                f"the pacing's start (the fraction of examples available at step 0) must be in "
                f"(0, 1], got {self.start!r}; e.g. start=0.2"
            )
        if isinstance(self.ramp_steps, bool) or not isinstance(self.ramp_steps, int):
            raise ConfigError(f"ramp_steps must be an integer >= 1, got {self.ramp_steps!r}")
        if self.ramp_steps < 1:
            raise ConfigError(f"ramp_steps must be an integer >= 1, got {self.ramp_steps!r}")
        if not isinstance(self.increase, (int, float)) or not self.increase > 1:
            raise ConfigError(
                f"the fixed-exponential pacing's increase must be > 1, got {self.increase!r}; "
                "e.g. increase=2 doubles the available data at each stage"
            )

    def fraction(self, step: int) -> float:
        """g(step), in [start, 1]."""
        progress = min(1.0, step / self.ramp_steps)
        if self.kind == "full" or progress >= 1.0:
            return 1.0
        if self.kind == "step":
            return self.start
        if self.kind == "linear":
            return self.start + (1.0 - self.start) * progress
        if self.kind == "root":
            return math.sqrt(self.start**2 + (1.0 - self.start**2) * progress)
        stages = max(1, math.ceil(math.log(1.0 / self.start) / math.log(self.increase)))
        stage = math.floor(progress * stages)
        return min(1.0, self.start * self.increase**stage)


def difficulty_order(difficulty: Tensor, order: str, seed: int = 0) -> Tensor:
    """The example indices in the order the pacing admits them: easiest first for
    "curriculum" (ties by index), hardest first for "anti", a seeded permutation for
    "random"."""
    if order not in ORDERS:
        raise ConfigError(f"order {order!r} is unknown; use one of {', '.join(ORDERS)}")
    if order == "random":
        return torch.randperm(len(difficulty), generator=torch.Generator().manual_seed(seed))
    return torch.argsort(difficulty, descending=order == "anti", stable=True)


def check_difficulty(difficulty: Any, num_examples: int) -> Tensor:
    """`difficulty` as a 1-D float64 tensor of one finite score per example, or ConfigError."""
    scores = torch.as_tensor(difficulty).detach().cpu()
    if scores.dim() != 1 or len(scores) != num_examples:
        raise ConfigError(
            f"difficulty must hold one score per training example ({num_examples}), got shape "
            f"{tuple(scores.shape)}; score the same examples the loader draws from"
        )
    scores = scores.to(torch.float64)
    if not torch.isfinite(scores).all():
        raise ConfigError("difficulty holds NaN or infinite scores; give finite numbers")
    return scores


@torch.no_grad()
def teacher_difficulty(
    teacher: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    *,
    batch_size: int = 1000,
    loss: Callable[[Tensor, Tensor], Tensor] | None = None,
) -> Tensor:
    """Each example's loss under `teacher` (per-example cross-entropy unless `loss` is given,
    a function of (outputs, targets) returning one value per example), in eval mode; the
    teacher's mode is restored after. Higher is harder."""
    per_example = loss or (lambda out, y: nn.functional.cross_entropy(out, y, reduction="none"))
    was_training = teacher.training
    teacher.eval()
    try:
        device = next(teacher.parameters(), torch.empty(0)).device
        scores = []
        for i in range(0, len(inputs), batch_size):
            outputs = teacher(inputs[i : i + batch_size].to(device))
            scores.append(per_example(outputs, targets[i : i + batch_size].to(device)).cpu())
    finally:
        teacher.train(was_training)
    return check_difficulty(torch.cat(scores), len(inputs))


class CurriculumLoader:
    """Batches drawn from the easiest fraction g(t) of the examples at step t (see the module
    docstring); `steps_per_epoch` batches per `iter()`, the step counting on across epochs."""

    def __init__(
        self,
        *tensors: Tensor,
        difficulty: Any,
        pacing: Pacing,
        batch_size: int,
        steps_per_epoch: int,
        order: str = "curriculum",
        seed: int = 0,
    ) -> None:
        if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
            raise ConfigError("CurriculumLoader needs tensors with the same number of examples")
        for setting, value in (("batch_size", batch_size), ("steps_per_epoch", steps_per_epoch)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{setting} must be an integer >= 1, got {value!r}")
        if not isinstance(pacing, Pacing):
            raise ConfigError(f"pacing must be a Pacing, got {type(pacing).__name__}")
        self.tensors = tensors
        self.difficulty = check_difficulty(difficulty, len(tensors[0]))
        self.pacing, self.order_name = pacing, order
        self.batch_size, self.steps_per_epoch = batch_size, steps_per_epoch
        self.order = difficulty_order(self.difficulty, order, seed).to(tensors[0].device)
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0  # batches drawn so far, over all epochs: the pacing's t
        self.position = 0  # batches drawn in the epoch in progress

    @property
    def num_examples(self) -> int:
        return len(self.tensors[0])

    def __len__(self) -> int:
        return self.steps_per_epoch

    def available(self, step: int) -> int:
        """How many of the examples (the first in `order`) step `step` draws from."""
        # rounded first: 0.145 * 200 is 29.000000000000004 in floating point, 29 examples
        wanted = math.ceil(round(self.pacing.fraction(step) * self.num_examples, 6))
        return min(self.num_examples, max(wanted, self.batch_size))

    def allowed(self, step: int) -> Tensor:
        """The indices step `step` draws from."""
        return self.order[: self.available(step)]

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        """The rest of the epoch in progress (all of it at an epoch's start)."""
        while self.position < self.steps_per_epoch:
            allowed = self.available(self.step)
            picks = torch.randperm(allowed, generator=self.generator)[: self.batch_size]
            index = self.order[picks.to(self.order.device)]
            self.step += 1
            self.position += 1
            yield tuple(t.index_select(0, index) for t in self.tensors)
        self.position = 0

    def state_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "position": self.position,
            "generator": self.generator.get_state(),
            "num_examples": self.num_examples,
            "batch_size": self.batch_size,
            "steps_per_epoch": self.steps_per_epoch,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        mismatched = [
            f"{k}: state has {state.get(k)!r}, loader has {getattr(self, k)!r}"
            for k in ("num_examples", "batch_size", "steps_per_epoch")
            if state.get(k) != getattr(self, k)
        ]
        if mismatched:
            raise ConfigError(
                "curriculum loader state does not fit this loader (build it with the same "
                "data and settings): " + "; ".join(mismatched)
            )
        self.step, self.position = int(state["step"]), int(state["position"])
        self.generator.set_state(state["generator"].clone())


@dataclass(frozen=True)
class CurriculumTraining:
    """The trained model and the one phase's history."""

    model: nn.Module
    phases: tuple[StageHistory, ...]


def train_with_curriculum(
    model: nn.Module,
    objective: Any,
    loader: CurriculumLoader,
    stage: Stage,
    *,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
    name: str = "curriculum",
) -> CurriculumTraining:
    """Train `model` for `stage.epochs` epochs of `loader.steps_per_epoch` paced batches."""
    phase = train_stage(
        model, objective, loader, stage, name=name, val_loader=val_loader, callbacks=callbacks
    )
    return CurriculumTraining(model, (phase,))
