"""An objective plus a model's auxiliary loss: the load-balancing loss of its mixture-of-experts
layers (Fedus, Zoph & Shazeer 2022, "Switch Transformers"), weighted and added to the task's
loss so that the router spreads examples over the experts."""

from __future__ import annotations

from learnlab.models.mixture_of_experts import auxiliary_loss
from learnlab.objectives.base import Objective


class WithAuxiliaryLoss(Objective):
    """`objective`'s loss plus `weight` times the model's MoE balancing loss (Fedus et al. use
    0.01); reports the balancing loss as the metric `balance_loss`."""

    def __init__(self, objective: Objective, weight: float = 0.01) -> None:
        self.objective, self.weight = objective, float(weight)
        self.metric_names = (*objective.metric_names, "balance_loss")

    def __call__(self, model, batch):
        loss, metrics = self.objective(model, batch)
        aux = auxiliary_loss(model)
        metrics = {**metrics, "balance_loss": aux.detach()}
        return (loss + self.weight * aux if self.weight else loss), metrics
