"""Teacher-student training with hints (FitNets; Romero et al., ICLR 2015; lecture L4: "train a
wide, shallow network first, then a thin, deep one that predicts the teacher's hidden state").

Stage 1 ("hints") trains the student's layers up to its guided layer, with the regressor r,
on the hint loss 1/2 ||u_h(x) - r(v_g(x))||^2 (`learnlab.objectives.hints.HintLoss`): the
teacher's hint layer gives the lower half of the student a target, so the deep student's
first layers start from an informed point instead of depending on gradients that passed
through all its layers. Stage 2 ("student") trains the whole student on `objective`
(cross-entropy by default; FitNets uses knowledge distillation there: pass that objective).
The teacher is not changed.

Example:
    >>> import torch
    >>> from torch import nn
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.procedures.base import Stage
    >>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
    >>> teacher = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 3))
    >>> student = nn.Sequential(nn.Linear(4, 4), nn.Tanh(), nn.Linear(4, 4), nn.Tanh(),
    ...                         nn.Linear(4, 3))
    >>> done = train_with_hints(teacher, student, TensorLoader(x, y, batch_size=16, seed=0),
    ...                         teacher_layer="1", student_layer="3",
    ...                         hint_stage=Stage(epochs=1), final_stage=Stage(epochs=2))
    >>> [(s.name, len(s.history)) for s in done.stages]
    [('hints', 1), ('student', 2)]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from torch import nn

from learnlab.objectives.base import Objective
from learnlab.objectives.hints import HintLoss
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback


@dataclass(frozen=True)
class HintsOutcome:
    """The trained student, the regressor of stage 1, and the two phases' histories."""

    student: nn.Module
    regressor: nn.Module
    guided_parameters: int  # how many parameter tensors stage 1 trained (besides r's)
    stages: tuple[StageHistory, StageHistory]


def example_inputs(loader: Iterable[Any]) -> Any:
    """A few inputs of `loader` to size the regressor: a TensorLoader's first rows, else the
    inputs of one batch (its state restored when it has `state_dict`, so the order of the
    batches in training is unchanged)."""
    tensors = getattr(loader, "tensors", None)
    if tensors:
        return tensors[0][:8]
    state = loader.state_dict() if hasattr(loader, "state_dict") else None
    batch = next(iter(loader))
    if state is not None:
        loader.load_state_dict(state)
    return batch[0] if isinstance(batch, (tuple, list)) else batch


def train_with_hints(
    teacher: nn.Module,
    student: nn.Module,
    train_loader: Iterable[Any],
    *,
    teacher_layer: str,
    student_layer: str,
    hint_stage: Stage,
    final_stage: Stage,
    objective: Objective | Any = None,
    val_loader: Iterable[Any] | None = None,
    regressor: nn.Module | None = None,
    callbacks: Iterable[Callback] = (),
) -> HintsOutcome:
    """FitNets' two stages on `student` (trained in place); `teacher` is only read.

    `teacher_layer` / `student_layer` are names from `named_modules()`; an unknown one is a
    ConfigError listing the names that exist. The validation loader is evaluated in stage 2.
    """
    from learnlab.objectives.supervised import CrossEntropy

    example = example_inputs(train_loader)
    hint = HintLoss(
        teacher,
        student,
        teacher_layer=teacher_layer,
        student_layer=student_layer,
        example=example,
        regressor=regressor,
    )
    guided = hint.guided_parameters(student, example)
    first = train_stage(
        student,
        hint,
        train_loader,
        hint_stage,
        name="hints",
        parameters=guided,
        callbacks=callbacks,
    )
    second = train_stage(
        student,
        CrossEntropy() if objective is None else objective,
        train_loader,
        final_stage,
        name="student",
        val_loader=val_loader,
        callbacks=callbacks,
    )
    return HintsOutcome(student, hint.regressor, len(guided), (first, second))
