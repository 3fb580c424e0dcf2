"""Knowledge distillation: train a student on a trained teacher's soft targets (Hinton, Vinyals
& Dean 2015, "Distilling the knowledge in a neural network"; Ba & Caruana 2014, "Do deep nets
really need to be deep?", match the logits instead, the high-temperature limit).

One phase: the student trains through `procedures.base.train_stage` on the objective
`learnlab.objectives.distillation.Distillation` (the soft targets at temperature T, weighted
by T^2, plus a share `hard_weight` of the ordinary cross-entropy with the labels). Teacher and
student can be any `nn.Module`s with the same classes (registered models, a user's model).

The transfer set is a loader of `(inputs, labels)` (the teacher then runs on each batch, in
eval mode without gradients: needed when the inputs change every epoch) or of
`(inputs, labels, teacher_logits)`; `teacher_logits(teacher, inputs)` computes the last once
per example, which spares the teacher's forward pass in every epoch.

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> teacher, student = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    >>> x, y = torch.randn(32, 4), torch.randint(0, 3, (32,))
    >>> loader = TensorLoader(x, y, teacher_logits(teacher, x), batch_size=8, seed=0)
    >>> done = distil(teacher, student, loader, Stage(epochs=2, lr=0.01), temperature=4.0)
    >>> (done.student is student, [phase.name for phase in done.phases])
    (True, ['distil'])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from learnlab.objectives.distillation import DEFAULT_HARD_WEIGHT, Distillation
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback


@dataclass(frozen=True)
class Distilled:
    """The trained student (the same module, trained in place) and its one phase."""

    student: nn.Module
    phases: tuple[StageHistory, ...]


def teacher_logits(
    teacher: nn.Module, inputs: torch.Tensor, *, batch_size: int = 1000
) -> torch.Tensor:
    """The teacher's logits for every row of `inputs`, in eval mode without gradients, in
    batches of `batch_size` (memory); the teacher's train/eval mode is restored after."""
    was_training = teacher.training
    teacher.eval()
    try:
        with torch.no_grad():
            return torch.cat([teacher(chunk) for chunk in inputs.split(batch_size)])
    finally:
        teacher.train(was_training)


def distil(
    teacher: nn.Module,
    student: nn.Module,
    transfer_loader: Iterable[Any],
    stage: Stage,
    *,
    temperature: float,
    hard_weight: float = DEFAULT_HARD_WEIGHT,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> Distilled:
    """Train `student` for `stage` on the transfer set against `teacher` at `temperature`.

    The teacher's parameters are never updated (the objective owns no trainable module and
    the optimizer gets the student's parameters only). Bad settings (a temperature <= 0, a
    hard_weight outside [0, 1]) raise ConfigError before anything trains.
    """
    objective = Distillation(temperature, hard_weight, teacher=teacher)
    phase = train_stage(
        student,
        objective,
        transfer_loader,
        stage,
        name="distil",
        val_loader=val_loader,
        callbacks=callbacks,
    )
    return Distilled(student, (phase,))
