"""Domain-adversarial training (DANN): Ganin & Lempitsky (ICML 2015), "Unsupervised domain
adaptation by backpropagation"; Ganin et al. (JMLR 2016), "Domain-adversarial training of
neural networks".

A batch holds labelled source images and unlabelled target images, `(x_source, y_source,
x_target)`. The model's features G_f (the output of its layer `feature_layer`) feed both its
own label head and, through the gradient-reversal layer (`learnlab.models.gradient_reversal`),
a domain classifier G_d owned by the objective (`extra_modules`). One backward pass of

    loss = L_y(source labels) + L_d(domains: source 0, target 1)

then trains G_d to tell the domains apart while the features receive -lambda dL_d: they are
pushed to make the domains indistinguishable (the saddle point of L_y - lambda L_d). L_d is
the logistic loss of one logit per image, averaged over the source and target images.

Schedules (the papers' section on training, p the training progress from 0 to 1):

    lambda_p = 2 / (1 + exp(-gamma p)) - 1     gamma = 10: 0 at the start, ~1 at the end
    mu_p = mu_0 / (1 + alpha p) ** beta        mu_0 = 0.01, alpha = 10, beta = 0.75

`set_progress(p)` sets lambda; the procedure `learnlab.procedures.domain_adversarial` calls it
before each step (and anneals the learning rate when asked).

Example:
    >>> import torch
    >>> from torch import nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    >>> dann = DomainAdversarial(model, feature_layer="1", domain_classifier=nn.Linear(8, 1))
    >>> dann.set_progress(1.0); round(dann.reversal.scale, 4)
    0.9999
    >>> loss, metrics = dann(model, (torch.randn(5, 4), torch.zeros(5).long(), torch.randn(5, 4)))
    >>> sorted(metrics)
    ['accuracy', 'domain_accuracy', 'domain_loss', 'label_loss', 'lambda']
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models.gradient_reversal import GradientReversal
from learnlab.objectives.base import Objective
from learnlab.objectives.hints import named_layer


def _check_progress(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ConfigError(f"training progress p must be a number in [0, 1], got {p!r}")
    return float(p)


def adaptation_factor(p: float, gamma: float = 10.0) -> float:
    """DANN's lambda_p = 2 / (1 + exp(-gamma p)) - 1: the reversal's scale at progress p."""
    return 2.0 / (1.0 + math.exp(-gamma * _check_progress(p))) - 1.0


def annealed_learning_rate(
    p: float, initial: float = 0.01, alpha: float = 10.0, beta: float = 0.75
) -> float:
    """DANN's mu_p = mu_0 / (1 + alpha p) ** beta."""
    return initial / (1.0 + alpha * _check_progress(p)) ** beta


def domain_loss(logits: torch.Tensor, domains: torch.Tensor) -> torch.Tensor:
    """Mean logistic loss of one domain logit per image (domain 0 source, 1 target)."""
    return nn.functional.binary_cross_entropy_with_logits(
        logits.reshape(-1), domains.to(logits.dtype).reshape(-1)
    )


def domain_classifier(features: int, hidden: int = 100) -> nn.Module:
    """The papers' MNIST domain classifier: features -> hidden (ReLU) -> one logit."""
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, 1))


class _Capture:
    """A forward hook keeping the last output of a layer (the model's forward runs on)."""

    def __init__(self) -> None:
        self.output: torch.Tensor | None = None

    def __call__(self, _module: nn.Module, _args: Any, output: torch.Tensor) -> None:
        self.output = output


class DomainAdversarial(Objective):
    """DANN's loss for `model` (the network the Trainer trains), whose layer `feature_layer`
    (a name in `model.named_modules()`) gives the features the domain classifier reads.

    Source and target images go through the model in one forward pass (their batch-norm
    statistics, if any, are shared); the labels score only the source images.
    """

    metric_names = ("label_loss", "domain_loss", "domain_accuracy", "accuracy", "lambda")

    def __init__(
        self,
        model: nn.Module,
        *,
        feature_layer: str,
        domain_classifier: nn.Module,
        gamma: float = 10.0,
    ) -> None:
        if not math.isfinite(gamma) or gamma <= 0:
            raise ConfigError(
                f"gamma={gamma!r}: the schedule's steepness must be a finite number > 0 "
                "(the papers use 10)."
            )
        self.feature_layer = named_layer(model, feature_layer, "feature_layer")
        self.domain_classifier = domain_classifier
        self.gamma = float(gamma)
        self.reversal = GradientReversal(0.0)
        self.progress = 0.0

    def set_progress(self, p: float) -> None:
        """Training progress p in [0, 1]: the reversal's scale becomes lambda_p."""
        self.progress = _check_progress(p)
        self.reversal.scale = adaptation_factor(self.progress, self.gamma)

    def extra_modules(self) -> list[nn.Module]:
        return [self.domain_classifier]

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        x_source, y_source, x_target = batch
        capture = _Capture()
        handle = self.feature_layer.register_forward_hook(capture)
        try:
            logits = model(torch.cat([x_source, x_target]))
        finally:
            handle.remove()
        n = len(x_source)
        label_loss = nn.functional.cross_entropy(logits[:n], y_source)
        domain_logits = self.domain_classifier(self.reversal(capture.output.flatten(1)))
        domains = torch.cat([torch.zeros(n), torch.ones(len(x_target))]).to(logits.device)
        d_loss = domain_loss(domain_logits, domains)
        with torch.no_grad():
            metrics = {
                "label_loss": label_loss.detach(),
                "domain_loss": d_loss.detach(),
                "domain_accuracy": ((domain_logits.reshape(-1) > 0).float() == domains)
                .float()
                .mean(),
                "accuracy": (logits[:n].argmax(1) == y_source).float().mean(),
                "lambda": torch.tensor(self.reversal.scale),
            }
        return label_loss + d_loss, metrics
