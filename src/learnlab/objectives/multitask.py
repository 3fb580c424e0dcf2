"""Multitask learning: one network, a class head and a box head, one loss that combines the two.

The model returns a mapping of its heads' outputs: "class" (N, C) logits and/or "box" (N, 4)
box coordinates; a batch is (inputs, labels, boxes). The task losses are
    L_class = mean cross-entropy of the logits against the labels,
    L_box   = mean over the examples of ||predicted box - box||^2 (the squared Euclidean error of
              the four coordinates, the Gaussian likelihood's loss of Kendall et al.'s eq. 10).
Two ways to combine them (`weighting`):
- "average": (L_class + L_box) / 2, lecture 000's "combines losses from both predictions, e.g.
  by averaging" (the mean over the tasks trained: one task gives that task's loss alone, the
  single-task networks).
- "uncertainty": the homoscedastic-uncertainty weighting of Kendall, Gal & Cipolla (CVPR 2018,
  "Multi-task learning using uncertainty to weigh losses for scene geometry and semantics"),
  their eq. (10) exactly, in the log-variances s = log sigma^2 that they train for stability:
      L = 1/2 exp(-s_box) L_box + s_box / 2  +  exp(-s_class) L_class + s_class / 2
  (1/(2 sigma^2) for the Gaussian likelihood of a regression, 1/sigma^2 for the softmax with
  temperature of a classification; log sigma = s / 2 each). The s are parameters the
  objective owns (`extra_modules`, started at 0: sigma = 1), trained with the network. At
  fixed losses, the minimum is at s_box = log L_box and s_class = log(2 L_class): a task with
  a larger loss is weighted down.

Metrics: "class_loss" and "box_loss" for the tasks trained, "accuracy" with a class head, and
with uncertainty weighting the learned "log_var_class" and "log_var_box".

Example:
    >>> import torch
    >>> out = {"class": torch.zeros(2, 3), "box": torch.zeros(2, 4)}
    >>> batch = (torch.zeros(2, 1), torch.tensor([0, 1]), torch.ones(2, 4))
    >>> loss, _ = ClassAndBox("average")(lambda x: out, batch)
    >>> round(loss.item(), 4)  # (log 3 + 4) / 2
    2.5493
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.io.errors import ConfigError, unknown_name
from learnlab.objectives.base import Objective
from learnlab.objectives.supervised import accuracy_metric

WEIGHTINGS: tuple[str, ...] = ("average", "uncertainty")
TASKS: tuple[str, ...] = ("class", "box")
# the factor of exp(-s) in eq. (10): 1/(2 sigma^2) for regression, 1/sigma^2 for the softmax
PRECISION_FACTOR = {"class": 1.0, "box": 0.5}


def box_loss(predicted: Tensor, target: Tensor) -> Tensor:
    """The mean over examples of the squared Euclidean distance of the four coordinates."""
    return (predicted - target.to(predicted.dtype)).pow(2).sum(dim=1).mean()


class TaskLogVariances(nn.Module):
    """One learned log-variance s = log sigma^2 per task, started at 0 (sigma = 1)."""

    def __init__(self, tasks: Sequence[str]) -> None:
        super().__init__()
        self.tasks = tuple(tasks)
        self.log_var = nn.Parameter(torch.zeros(len(self.tasks)))

    def weigh(self, losses: dict[str, Tensor]) -> Tensor:
        """Eq. (10): the sum over tasks of factor * exp(-s) * L + s / 2."""
        total = self.log_var.new_zeros(())
        for task, s in zip(self.tasks, self.log_var, strict=True):
            total = total + PRECISION_FACTOR[task] * torch.exp(-s) * losses[task] + s / 2
        return total


class ClassAndBox(Objective):
    """Class logits and a box from one network, their losses combined by `weighting`
    ("average" or "uncertainty"); `tasks` the heads trained (both by default; one task gives a
    single-task network)."""

    def __init__(self, weighting: str = "average", tasks: Sequence[str] = TASKS) -> None:
        if weighting not in WEIGHTINGS:
            raise unknown_name(
                "weighting",
                weighting,
                WEIGHTINGS,
                " 'average' is the lecture's mean of the losses, 'uncertainty' Kendall et al.'s "
                "learned task weights.",
            )
        tasks = tuple(tasks)
        for task in tasks:
            if task not in TASKS:
                raise unknown_name("task", task, TASKS)
        if not tasks or len(set(tasks)) != len(tasks):
            raise ConfigError(
                f"tasks must name at least one of {TASKS} and none twice; got {list(tasks)}."
            )
        self.weighting, self.tasks = weighting, tasks
        self.log_variances = TaskLogVariances(tasks) if weighting == "uncertainty" else None

    def extra_modules(self) -> list[nn.Module]:
        return [self.log_variances] if self.log_variances is not None else []

    def __call__(self, model: Any, batch: Any) -> tuple[Tensor, dict[str, Any]]:
        x, labels, boxes = batch[0], batch[1], batch[2]
        outputs = model(x)
        losses: dict[str, Tensor] = {}
        metrics: dict[str, Any] = {}
        if "class" in self.tasks:
            losses["class"] = F.cross_entropy(outputs["class"], labels)
            metrics["accuracy"] = accuracy_metric(outputs["class"], labels)
        if "box" in self.tasks:
            losses["box"] = box_loss(outputs["box"], boxes)
        for task, value in losses.items():
            metrics[f"{task}_loss"] = value.detach()
        if self.log_variances is None:
            return torch.stack(list(losses.values())).mean(), metrics
        for task, s in zip(self.tasks, self.log_variances.log_var, strict=True):
            metrics[f"log_var_{task}"] = s.detach()
        return self.log_variances.weigh(losses), metrics
