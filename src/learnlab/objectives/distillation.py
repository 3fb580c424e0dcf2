"""Knowledge distillation's loss: soft targets at temperature T (Hinton, Vinyals & Dean 2015,
"Distilling the knowledge in a neural network", section 2).

A teacher's logits v and a student's logits z give, at temperature T, the soft targets
p = softmax(v / T) and the student's soft predictions q = softmax(z / T). The loss of a batch
of N examples with labels y is

    loss = (1 - hard_weight) T^2 mean_n CE(p_n, q_n) + hard_weight mean_n CE(y_n, softmax(z_n))

with CE(p, q) = -sum_i p_i log q_i. The soft term's gradient with respect to z_i is
(q_i - p_i) / T per example (the paper's equation 2); its magnitude falls as 1/T^2 when T is
large, so the paper multiplies it by T^2 to keep the two terms' relative contribution the same
whatever the temperature. At high T, with zero-mean logits, T^2 (q_i - p_i) / T tends to
(z_i - v_i) / C for C classes: matching the logits by squared error (Caruana's model
compression) is distillation's high-temperature limit (the paper's section 2.1).

The weighting: `hard_weight` in [0, 1] is the share of the hard-label cross-entropy (at T = 1,
the student's ordinary softmax) and 1 - hard_weight that of the scaled soft term. 0 is pure
distillation (a transfer set without labels would do); the paper found "a considerably lower
weight" on the hard term best and, in its speech experiment, gave the hard term a relative
weight of 0.5, which is hard_weight = 0.5 / 1.5 = 1/3, the default here.

The teacher runs in eval mode (no dropout) without gradients. Its logits come from the batch
when it carries them, `(inputs, labels, teacher_logits)` (precomputed once per example, the
cheap way for a fixed transfer set), or from the `teacher` module, run on the batch's inputs
(needed when the inputs change every epoch, e.g. augmented).

Example:
    >>> import torch
    >>> objective = Distillation(temperature=4.0, hard_weight=0.5)
    >>> student = torch.nn.Linear(3, 2)
    >>> batch = (torch.randn(5, 3), torch.tensor([0, 1, 1, 0, 1]), torch.randn(5, 2))
    >>> loss, metrics = objective(student, batch)
    >>> sorted(metrics)
    ['accuracy', 'hard_loss', 'soft_loss']
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective
from learnlab.objectives.supervised import accuracy_metric

# the paper's speech experiment: relative weight 0.5 on the hard targets (1 on the soft ones)
DEFAULT_HARD_WEIGHT = 1.0 / 3.0


def check_temperature(temperature: float, setting: str = "temperature") -> float:
    """`temperature` as a float, or a ConfigError naming `setting` unless it is finite and > 0."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise ConfigError(f"{setting} must be a number > 0, got {temperature!r}")
    if not (math.isfinite(temperature) and temperature > 0):
        raise ConfigError(
            f"{setting}={temperature!r}: the softmax temperature must be a finite number > 0 "
            "(1 is the ordinary softmax; Hinton et al. used 20 on MNIST); choose e.g. "
            f"{setting}=20"
        )
    return float(temperature)


def check_hard_weight(hard_weight: float, setting: str = "hard_weight") -> float:
    """`hard_weight` as a float, or a ConfigError naming `setting` unless it is in [0, 1]."""
    if isinstance(hard_weight, bool) or not isinstance(hard_weight, (int, float)):
        raise ConfigError(f"{setting} must be a number in [0, 1], got {hard_weight!r}")
    if not 0.0 <= hard_weight <= 1.0:
        raise ConfigError(
            f"{setting}={hard_weight!r}: the hard-label share of the distillation loss must be "
            "in [0, 1] (0: soft targets only, 1: labels only, the default 1/3 gives the hard "
            f"term half the soft term's weight); choose e.g. {setting}=0.33"
        )
    return float(hard_weight)


def soft_cross_entropy(
    student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float
) -> torch.Tensor:
    """mean_n CE(softmax(v_n / T), softmax(z_n / T)), unscaled: the paper's soft objective."""
    targets = F.softmax(teacher_logits.to(student_logits.dtype) / temperature, dim=1)
    log_q = F.log_softmax(student_logits / temperature, dim=1)
    return -(targets * log_q).sum(dim=1).mean()


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    *,
    temperature: float,
    hard_weight: float = DEFAULT_HARD_WEIGHT,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, soft term, hard term) of a batch; the soft term as reported is already x T^2."""
    temperature = check_temperature(temperature)
    hard_weight = check_hard_weight(hard_weight)
    if student_logits.shape != teacher_logits.shape:
        raise ConfigError(
            f"the teacher's logits {tuple(teacher_logits.shape)} and the student's "
            f"{tuple(student_logits.shape)} differ in shape; distillation needs one logit per "
            "class and example from both (the same classes, in the same order)"
        )
    soft = soft_cross_entropy(student_logits, teacher_logits, temperature) * temperature**2
    hard = F.cross_entropy(student_logits, labels)
    return (1.0 - hard_weight) * soft + hard_weight * hard, soft, hard


class Distillation(Objective):
    """The distillation loss of a student `model` against a teacher (see the module docstring).

    Batches are `(inputs, labels)` (the `teacher` computes the soft targets per batch) or
    `(inputs, labels, teacher_logits)` (precomputed: `teacher` may then be None).
    """

    metric_names = ("accuracy", "soft_loss", "hard_loss")

    def __init__(
        self,
        temperature: float,
        hard_weight: float = DEFAULT_HARD_WEIGHT,
        teacher: nn.Module | None = None,
    ) -> None:
        self.temperature = check_temperature(temperature)
        self.hard_weight = check_hard_weight(hard_weight)
        self.teacher = teacher

    def teacher_logits(self, batch: Any) -> torch.Tensor:
        """The teacher's logits for `batch`: carried by the batch, or the teacher's, in eval
        mode and without gradients."""
        if len(batch) >= 3:
            return batch[2]
        if self.teacher is None:
            raise ConfigError(
                "the distillation objective got a batch of (inputs, labels) and has no teacher: "
                "give Distillation(teacher=...) or batches of (inputs, labels, teacher_logits)"
            )
        self.teacher.eval()  # no dropout: the soft targets of the whole trained teacher
        with torch.no_grad():
            return self.teacher(batch[0])

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict[str, Any]]:
        targets = self.teacher_logits(batch)
        logits = model(batch[0])
        loss, soft, hard = distillation_loss(
            logits,
            targets,
            batch[1],
            temperature=self.temperature,
            hard_weight=self.hard_weight,
        )
        metrics = {
            "accuracy": accuracy_metric(logits, batch[1]),
            "soft_loss": soft.detach(),
            "hard_loss": hard.detach(),
        }
        return loss, metrics
