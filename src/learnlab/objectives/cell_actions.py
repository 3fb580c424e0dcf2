"""Imitation of a planner on whole maps: cross-entropy of the action logits at the labelled
cells of each map (behaviour cloning, as Tamar et al. (2016), "Value Iteration Networks",
train their VIN on the expert's actions).

The model maps a batch of maps (N, C, H, W) to logits at every cell (N, actions, H, W)
(`learnlab.models.value_iteration.ActionMap`); the batch's labels (N, H, W) hold the expert's
action at the sampled states and `IGNORED` (-1) elsewhere. The loss is the mean cross-entropy
over the labelled cells, `accuracy` the fraction of them whose top logit is the label; a map
computes its value iteration once for all of its labelled states.

Example:
    >>> import torch
    >>> logits = torch.zeros(1, 8, 2, 2)
    >>> labels = torch.tensor([[[3, -1], [-1, -1]]])
    >>> loss, metrics = CellActions()(lambda maps: logits, (torch.zeros(1, 2, 2, 2), labels))
    >>> round(float(loss), 4)  # log 8: uniform logits, one labelled cell
    2.0794
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from learnlab.objectives.base import Metrics, Objective

IGNORED = -1


class CellActions(Objective):
    metric_names = ("accuracy",)

    def __call__(self, model, batch) -> tuple[torch.Tensor, Metrics]:
        maps, labels = batch[0], batch[1]
        logits = model(maps)
        loss = F.cross_entropy(logits, labels, ignore_index=IGNORED)
        labelled = labels != IGNORED
        right = (logits.detach().argmax(dim=1) == labels) & labelled
        accuracy = right.sum() / labelled.sum().clamp(min=1)
        return loss, {"accuracy": accuracy.float()}
