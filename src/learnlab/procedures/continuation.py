"""Continuation: train on a sequence of smoothed objectives, from the smoothest to the real one
(lecture L4, "blurring J(theta)": J^0, ..., J^n, each closer to J; Mobahi & Fisher, "On the
link between Gaussian homotopy continuation and convex envelopes", EMMCVPR 2015; Bengio,
Louradour, Collobert & Weston, "Curriculum learning", ICML 2009, read curriculum as such a
sequence).

The smoothing family is the Gaussian one of Mobahi & Fisher: the loss convolved with an
isotropic Gaussian over the weights,

    J_sigma(theta) = E_{eps ~ N(0, I)} [ J(theta + sigma * eps) ],

whose gradient is E[ grad J(theta + sigma * eps) ]; both are estimated by `samples` draws of
eps per batch (`GaussianSmoothing`: the weights seen by the forward pass are theta + sigma*eps,
through `torch.func.functional_call`, so any model works, and any objective that uses the
model through its forward pass: it is handed a wrapper, so reading a weight attribute
directly fails). sigma = 0 is the
real objective. A schedule is one `SmoothingStage(sigma, stage)` per phase; sigma must not rise
and the last phase must be the real objective (sigma = 0). Each phase gets a fresh optimizer
(`train_stage`), so the plain schedule to compare with is the same phases with sigma = 0
everywhere (`plain_schedule`).

Example:
    >>> import torch
    >>> from learnlab.data.loader import TensorLoader
    >>> from learnlab.objectives.supervised import MeanSquaredError
    >>> from learnlab.procedures.base import Stage
    >>> x = torch.randn(32, 2); y = x.sum(1, keepdim=True)
    >>> schedule = smoothing_schedule([0.5, 0.1, 0.0], Stage(epochs=1, optimizer="sgd", lr=0.1))
    >>> done = train_with_continuation(torch.nn.Linear(2, 1), MeanSquaredError(),
    ...                                TensorLoader(x, y, batch_size=8, seed=0), schedule)
    >>> [s.name for s in done.stages]
    ['sigma=0.5', 'sigma=0.1', 'sigma=0']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective, as_objective
from learnlab.procedures.base import Stage, StageHistory, train_stage
from learnlab.train.events import Callback


def check_sigma(sigma: float, setting: str = "sigma") -> float:
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not math.isfinite(sigma):
        raise ConfigError(f"{setting} must be a finite number >= 0, got {sigma!r}")
    if sigma < 0:
        raise ConfigError(
            f"{setting}={sigma!r}: a noise scale must be >= 0 (it is the standard deviation of "
            "the Gaussian noise on the weights); use 0 for the real objective."
        )
    return float(sigma)


class _PerturbedModel(nn.Module):
    """`model` whose forward pass uses the given weights (theta + sigma * eps)."""

    def __init__(self, model: nn.Module, weights: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self.model, self.weights = model, weights

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return torch.func.functional_call(self.model, self.weights, args, kwargs)


class GaussianSmoothing(Objective):
    """`objective` smoothed by Gaussian noise of scale `sigma` on the trainable weights, its
    value and gradient estimated with `samples` draws per batch (sigma = 0: `objective`
    itself). `generator` draws the noise (seed it for reproducible runs)."""

    def __init__(
        self,
        objective: Objective | Any,
        sigma: float,
        samples: int = 1,
        generator: torch.Generator | None = None,
    ) -> None:
        self.objective = as_objective(objective)
        self.sigma = check_sigma(sigma)
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ConfigError(f"samples must be an integer >= 1, got {samples!r}")
        self.samples = samples
        self.generator = generator
        self.metric_names = self.objective.metric_names

    def extra_modules(self) -> list[nn.Module]:
        return self.objective.extra_modules()

    def batch_examples(self, batch: Any) -> int:
        return self.objective.batch_examples(batch)

    def _noise(self, p: torch.Tensor) -> torch.Tensor:
        if self.generator is None or self.generator.device == p.device:
            return torch.randn(p.shape, generator=self.generator, dtype=p.dtype, device=p.device)
        return torch.randn(p.shape, generator=self.generator, dtype=p.dtype).to(p.device)

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        if self.sigma == 0 or not model.training:  # evaluation measures the real objective
            return self.objective(model, batch)
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        total, metrics = None, {}
        for _ in range(self.samples):
            weights = {n: p + self.sigma * self._noise(p) for n, p in named}
            loss, metrics = self.objective(_PerturbedModel(model, weights), batch)
            total = loss if total is None else total + loss
        return total / self.samples, metrics


@dataclass(frozen=True)
class SmoothingStage:
    """One phase of continuation: train on the objective smoothed at `sigma` for `stage`."""

    sigma: float
    stage: Stage

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", check_sigma(self.sigma))


def smoothing_schedule(sigmas: Sequence[float], stage: Stage) -> list[SmoothingStage]:
    """One phase per sigma, each trained as `stage`."""
    return [SmoothingStage(sigma, stage) for sigma in sigmas]


def geometric_sigmas(start: float, phases: int, ratio: float = 0.5) -> list[float]:
    """`phases` scales: start, start*ratio, ..., and 0 last (the real objective)."""
    check_sigma(start, "sigma_start")
    if phases < 2:
        raise ConfigError(
            f"continuation needs at least 2 phases (smoothed, then real); got {phases}"
        )
    if not 0 < ratio < 1:
        raise ConfigError(f"ratio must be in (0, 1), got {ratio!r}")
    return [start * ratio**k for k in range(phases - 1)] + [0.0]


def plain_schedule(schedule: Sequence[SmoothingStage]) -> list[SmoothingStage]:
    """The same phases (steps, optimizers) on the real objective: continuation's control."""
    return [replace(phase, sigma=0.0) for phase in schedule]


def check_schedule(schedule: Sequence[SmoothingStage]) -> None:
    if not schedule:
        raise ConfigError(
            "the continuation schedule is empty; give at least one phase, e.g. "
            "smoothing_schedule([1.0, 0.5, 0.0], Stage(epochs=5))"
        )
    sigmas = [phase.sigma for phase in schedule]
    if any(b > a for a, b in zip(sigmas, sigmas[1:], strict=False)):
        raise ConfigError(
            f"the noise scales of a continuation schedule must not rise (smoothest first); "
            f"got {sigmas}"
        )
    if sigmas[-1] != 0:
        raise ConfigError(
            f"the last phase of a continuation schedule must train the real objective "
            f"(sigma 0); got {sigmas}: append a phase with sigma 0"
        )


@dataclass(frozen=True)
class ContinuationOutcome:
    model: nn.Module
    sigmas: tuple[float, ...]
    stages: tuple[StageHistory, ...]


def train_with_continuation(
    model: nn.Module,
    objective: Objective | Any,
    train_loader: Iterable[Any],
    schedule: Sequence[SmoothingStage],
    *,
    samples: int = 1,
    seed: int = 0,
    val_loader: Iterable[Any] | None = None,
    callbacks: Iterable[Callback] = (),
) -> ContinuationOutcome:
    """Train `model` (in place) through the phases of `schedule`, each on `objective` smoothed
    at its sigma, estimated with `samples` noise draws per batch (noise seeded by `seed`)."""
    check_schedule(schedule)
    generator = torch.Generator().manual_seed(seed)
    stages = []
    for phase in schedule:
        smoothed = GaussianSmoothing(objective, phase.sigma, samples, generator)
        stages.append(
            train_stage(
                model,
                smoothed,
                train_loader,
                phase.stage,
                name=f"sigma={phase.sigma:g}",
                val_loader=val_loader,
                callbacks=callbacks,
            )
        )
    return ContinuationOutcome(model, tuple(p.sigma for p in schedule), tuple(stages))
