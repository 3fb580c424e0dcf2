"""Gradient clipping by global norm (Pascanu, Mikolov, Bengio 2013, "On the difficulty of
training recurrent neural networks"): if ||g|| > c, rescale g to c * g / ||g||, which keeps
exploding gradients at a cliff from catapulting the parameters away."""

from __future__ import annotations

import torch

from learnlab.train.events import Callback


class GradientClipping(Callback):
    order = 20

    def __init__(self, max_norm: float) -> None:
        self.max_norm = max_norm

    def after_backward(self, trainer) -> None:
        params = [p for group in trainer.optimizer.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(params, self.max_norm)
