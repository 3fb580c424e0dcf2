"""Semi-supervised objectives: a batch holds a labelled part and an unlabelled part.

A batch is a `SemiSupervisedBatch(labelled=(x, y), unlabelled=x_u)` (what
`learnlab.data.semi_supervised.LabelledUnlabelledLoader` yields); a plain `(x, y)` batch (a
validation loader) is scored on its labels alone. Each objective is the labelled part's
cross-entropy plus a weighted term on the unlabelled part:

- `LabelledOnly`: the baseline, the unlabelled part ignored.
- `PseudoLabel` (Lee 2013, "Pseudo-label: the simple and efficient semi-supervised learning
  method"): the class the network predicts for an unlabelled example is its target,
  recomputed at every update; only predictions with probability >= `threshold` count (the
  threshold of FixMatch, Sohn et al. 2020; Lee's paper has none, threshold -> 0 is his
  method). The term's weight ramps up as Lee's alpha(t): 0 for the first `ramp_start` steps,
  linear to `weight` at `ramp_end`, constant after, so that the early, mostly wrong,
  predictions do not train the network on themselves.
- `VirtualAdversarial` (Miyato, Maeda, Koyama & Ishii 2018, "Virtual adversarial training",
  TPAMI): the smoothness term KL(p(y|x) || p(y|x + r_adv)), r_adv the direction of norm `eps`
  that changes the prediction most, found by power iteration on the KL's Hessian (the
  paper's equations 8-13: d <- grad_r KL(p(x) || p(x + xi d)) at r = xi d, normalised, from a
  random d); plus, optionally, the entropy of the unlabelled predictions (VAT + EntMin, the
  paper's section 4.1.2). VAT needs no augmentation, and no labels, only the model.

The labelled and unlabelled losses are means over their parts; `batch_examples` counts both.

Example:
    >>> import torch
    >>> model = torch.nn.Linear(4, 3)
    >>> batch = SemiSupervisedBatch((torch.randn(2, 4), torch.tensor([0, 2])), torch.randn(5, 4))
    >>> loss, metrics = PseudoLabel(threshold=0.5, ramp_start=0, ramp_end=1)(model, batch)
    >>> sorted(metrics)
    ['accuracy', 'confident', 'supervised_loss', 'unlabelled_loss']
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.data.semi_supervised import SemiSupervisedBatch
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Metrics, Objective, count_examples
from learnlab.objectives.supervised import accuracy_metric, correct


def check_threshold(threshold: float, setting: str = "threshold") -> float:
    """`threshold` as a float, or a ConfigError naming `setting` unless 0 < threshold < 1."""
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise ConfigError(f"{setting} must be a number in (0, 1), got {threshold!r}")
    if not 0.0 < threshold < 1.0:
        raise ConfigError(
            f"{setting}={threshold!r}: a pseudo-label counts when the predicted class's "
            "probability is at least the threshold, so it must be in (0, 1) (near 0: every "
            f"prediction counts, as in Lee 2013; FixMatch uses 0.95); choose e.g. {setting}=0.95"
        )
    return float(threshold)


def ramp_weight(step: int, weight: float, ramp_start: int, ramp_end: int) -> float:
    """Lee's alpha(t): 0 before `ramp_start`, linear up to `weight` at `ramp_end`, then flat."""
    if step < ramp_start:
        return 0.0
    if step >= ramp_end:
        return weight
    return weight * (step - ramp_start) / (ramp_end - ramp_start)


class _SemiSupervised(Objective):
    """The labelled cross-entropy, and the split of a batch into its two parts."""

    def batch_examples(self, batch: Any) -> int:
        if isinstance(batch, SemiSupervisedBatch):
            return count_examples(batch.labelled) + count_examples(batch.unlabelled)
        return count_examples(batch)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[Tensor, Metrics]:
        labelled, unlabelled = (
            (batch.labelled, batch.unlabelled)
            if isinstance(batch, SemiSupervisedBatch)
            else (batch, None)  # a plain (x, y) batch: validation, labels only
        )
        x, y = labelled[0], labelled[1]
        logits = model(x)
        supervised = F.cross_entropy(logits, y)
        if unlabelled is None:
            return supervised, {"accuracy": accuracy_metric(logits, y)}
        # 0-dim means: the Trainer weighs them by batch_examples, both parts together
        metrics: Metrics = {"accuracy": correct(logits, y).float().mean()}
        if not self.uses_unlabelled:
            return supervised, metrics
        extra, more = self.unlabelled_loss(model, unlabelled)
        metrics.update(supervised_loss=supervised.detach(), **more)
        return supervised + extra, metrics

    uses_unlabelled = True

    def unlabelled_loss(self, model: nn.Module, x: Tensor) -> tuple[Tensor, Metrics]:
        raise NotImplementedError


class LabelledOnly(_SemiSupervised):
    """The baseline: cross-entropy on the labelled part; the unlabelled part is ignored."""

    uses_unlabelled = False


class PseudoLabel(_SemiSupervised):
    """Lee (2013)'s pseudo-labels with a confidence threshold and a ramped-up weight."""

    metric_names = ("supervised_loss", "unlabelled_loss", "confident")

    def __init__(
        self,
        threshold: float = 0.95,
        weight: float = 1.0,
        ramp_start: int = 0,
        ramp_end: int = 1000,
    ) -> None:
        self.threshold = check_threshold(threshold)
        if not (math.isfinite(weight) and weight >= 0):
            raise ConfigError(f"weight={weight!r}: the pseudo-label weight must be >= 0.")
        if not 0 <= ramp_start <= ramp_end:
            raise ConfigError(
                f"ramp_start={ramp_start}, ramp_end={ramp_end}: the ramp needs "
                "0 <= ramp_start <= ramp_end (in optimizer steps)."
            )
        self.weight, self.ramp_start, self.ramp_end = float(weight), ramp_start, ramp_end
        self.step = 0  # training batches seen: the t of alpha(t)

    def unlabelled_loss(self, model: nn.Module, x: Tensor) -> tuple[Tensor, Metrics]:
        logits = model(x)
        with torch.no_grad():
            confidence, targets = logits.softmax(dim=1).max(dim=1)
            mask = (confidence >= self.threshold).float()
        per_example = F.cross_entropy(logits, targets, reduction="none")
        unlabelled = (mask * per_example).mean()
        alpha = ramp_weight(self.step, self.weight, self.ramp_start, self.ramp_end)
        if model.training:
            self.step += 1
        return alpha * unlabelled, {
            "unlabelled_loss": unlabelled.detach(),
            "confident": mask.mean(),
        }


def _normalise(d: Tensor) -> Tensor:
    """Each example's slice of `d` scaled to unit L2 norm."""
    norms = d.flatten(1).norm(dim=1).clamp_min(1e-12)
    return d / norms.view(-1, *([1] * (d.dim() - 1)))


def _kl_from_logits(target_logits: Tensor, logits: Tensor) -> Tensor:
    """Mean over examples of KL(softmax(target_logits) || softmax(logits))."""
    target = target_logits.log_softmax(dim=1)
    return (target.exp() * (target - logits.log_softmax(dim=1))).sum(dim=1).mean()


def adversarial_direction(
    model: nn.Module,
    x: Tensor,
    clean_logits: Tensor,
    start: Tensor,
    *,
    xi: float,
    iterations: int,
) -> Tensor:
    """The unit direction (per example) that raises KL(p(x) || p(x + r)) most, by
    `iterations` steps of power iteration from `start`: d <- normalise(grad_r KL at r = xi d).
    For small xi each step multiplies d by the KL's Hessian at r = 0 (its gradient there is
    0), so d tends to the top eigenvector."""
    d = _normalise(start)
    for _ in range(iterations):
        r = (xi * d).requires_grad_(True)
        divergence = _kl_from_logits(clean_logits, model(x + r))
        (grad,) = torch.autograd.grad(divergence, r)
        d = _normalise(grad.detach())
    return d


class VirtualAdversarial(_SemiSupervised):
    """VAT (Miyato et al. 2018): the KL between the prediction at x and at x + r_adv."""

    metric_names = ("supervised_loss", "unlabelled_loss")

    def __init__(
        self,
        eps: float = 2.0,
        xi: float = 1e-6,
        iterations: int = 1,
        weight: float = 1.0,
        entropy_weight: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        for name, value in (("eps", eps), ("xi", xi)):
            if not (math.isfinite(value) and value > 0):
                raise ConfigError(f"{name}={value!r}: VAT's {name} must be a number > 0.")
        if iterations < 1:
            raise ConfigError(f"iterations={iterations}: power iteration needs >= 1 step.")
        self.eps, self.xi, self.iterations = float(eps), float(xi), int(iterations)
        self.weight, self.entropy_weight = float(weight), float(entropy_weight)
        self.generator = generator

    def unlabelled_loss(self, model: nn.Module, x: Tensor) -> tuple[Tensor, Metrics]:
        if self.entropy_weight:
            clean_with_graph = model(x)  # the entropy term trains through it
            clean = clean_with_graph.detach()
        else:
            with torch.no_grad():
                clean = model(x)
        start = torch.randn(x.shape, generator=self.generator, dtype=x.dtype).to(x.device)
        d = adversarial_direction(model, x, clean, start, xi=self.xi, iterations=self.iterations)
        vat = _kl_from_logits(clean, model(x + self.eps * d))
        loss = self.weight * vat
        metrics: Metrics = {"unlabelled_loss": vat.detach()}
        if self.entropy_weight:
            log_p = clean_with_graph.log_softmax(1)
            entropy = -(log_p.exp() * log_p).sum(1).mean()
            loss = loss + self.entropy_weight * entropy
        return loss, metrics
