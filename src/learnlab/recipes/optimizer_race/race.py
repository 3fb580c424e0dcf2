"""One optimizer on one problem through the Trainer, its learning rate chosen by a grid.

Each run is `Trainer.fit` over "epochs": one step on the full batch, or one pass of
minibatches for the first-order methods where the problem has a `minibatch`. After every epoch
the Trainer evaluates the whole training objective (its validation loader is the training
set), outside the timed loop: the curve is the objective after each epoch against the
Trainer's cumulative training seconds. A counting objective records how many examples the
optimizer's own evaluations of the objective processed (L-BFGS's and CG's line searches,
Newton-CG's trial points), reported as passes over the data; Hessian-vector products and
Newton's Hessian reuse the gradient's graph and are not counted (the wall time is their cost).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from learnlab.data.loader import TensorLoader
from learnlab.objectives.base import Objective
from learnlab.recipes.optimizer_race.config import LINE_SEARCH_OPTIMIZERS, OptimizerRaceConfig
from learnlab.recipes.optimizer_race.problems import Problem
from learnlab.train.events import Callback, CancelFit
from learnlab.train.optimizers import build_optimizer
from learnlab.train.trainer import Trainer

# a run whose objective rises above f0 + DIVERGED * (|f0| + 1) is stopped and called diverged
DIVERGED = 1e3
# a run within CONVERGED * (|f*| + 1) of a known optimum f* is stopped: float64's rounding
# (Newton gets there in a few steps; more would only repeat its Hessian)
CONVERGED = 1e-13


@dataclass(frozen=True)
class RaceRun:
    """The objective at iteration 0, 1, ... (epochs), the training seconds to each, and the
    passes over the data the optimizer's evaluations cost."""

    optimizer: str
    lr: float
    objective: list[float]
    seconds: list[float]
    passes: float
    diverged: bool

    def final(self) -> float:
        return self.objective[-1] if not self.diverged else math.inf


class CountingObjective(Objective):
    """The problem's objective, counting the examples of the evaluations that build a graph."""

    def __init__(self, inner: Objective) -> None:
        self.inner = inner
        self.examples = 0

    def __call__(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, dict]:
        if torch.is_grad_enabled():
            self.examples += self.inner.batch_examples(batch)
        return self.inner(model, batch)

    def batch_examples(self, batch: Any) -> int:
        return self.inner.batch_examples(batch)


class StopAtTheEnd(Callback):
    """Stops a run that diverged, or that reached a known optimum to rounding."""

    order = 15

    def __init__(self, start: float, optimum: float | None) -> None:
        self.limit = start + DIVERGED * (abs(start) + 1)
        self.reached = -math.inf if optimum is None else optimum + CONVERGED * (abs(optimum) + 1)
        self.diverged = False

    def after_epoch(self, trainer: Trainer) -> None:
        value = trainer.history[-1]["val_loss"]
        if not math.isfinite(value) or value > self.limit:
            self.diverged = True
            raise CancelFit
        if value <= self.reached:
            raise CancelFit


def optimizer_options(name: str, config: OptimizerRaceConfig) -> dict[str, Any]:
    """L-BFGS: one iteration per step (torch's default of 20 per step would hide its
    iterations) with the strong-Wolfe line search, allowed up to 25 evaluations (torch's
    max_eval defaults to max_iter * 5 // 4 = 1, which leaves the line search no trial step: it
    then returns a step of 0 and L-BFGS stalls), and tolerances below float64's rounding of
    the objectives (torch's 1e-7 on the gradient and 1e-9 on changes stopped it at f - f* =
    8.5e-10 on the digits). Newton: the race's own bound on the exact Hessian. CG (one
    iteration per step) and Newton-CG (10 CG iterations): their defaults."""
    if name == "lbfgs":
        return {
            "max_iter": 1,
            "max_eval": 25,
            "line_search_fn": "strong_wolfe",
            "tolerance_grad": 1e-12,
            "tolerance_change": 1e-15,
        }
    if name == "newton":
        return {"max_parameters": config.newton_max_parameters}
    return {}


def run_once(
    problem: Problem, name: str, lr: float, epochs: int, config: OptimizerRaceConfig
) -> RaceRun:
    model = problem.make_model()
    objective = CountingObjective(problem.objective)
    examples = problem.objective.batch_examples(problem.data)
    full = TensorLoader(*problem.data, batch_size=len(problem.data[0]), shuffle=False)
    stochastic = problem.minibatch is not None and name not in LINE_SEARCH_OPTIMIZERS
    train = (
        TensorLoader(*problem.data, batch_size=problem.minibatch, seed=config.seed)
        if stochastic
        else full
    )
    with torch.no_grad():
        start = float(problem.objective(model, problem.data)[0])
    optimizer = build_optimizer(
        name,
        model.parameters(),
        lr=lr,
        momentum=config.momentum,
        options=optimizer_options(name, config),
    )
    guard = StopAtTheEnd(start, problem.optimum)
    history = Trainer(model, objective, optimizer, callbacks=[guard]).fit(train, epochs, full)
    return RaceRun(
        name,
        lr,
        [start] + [record["val_loss"] for record in history],
        [0.0] + [record["seconds"] for record in history],
        objective.examples / examples,
        guard.diverged,
    )


def race_optimizer(
    problem: Problem, name: str, epochs: int, config: OptimizerRaceConfig
) -> tuple[RaceRun, list[RaceRun]]:
    """Every learning rate of the optimizer's grid; the run with the lowest final training
    objective (diverged runs excluded; all diverged: the smallest lr's) and all of them."""
    runs = [run_once(problem, name, lr, epochs, config) for lr in config.lr_grid(name)]
    best = min(runs, key=lambda run: (run.final(), run.lr))
    return best, runs


def time_to_target(problem: Problem, run: RaceRun, tolerance: float) -> tuple[int, float] | None:
    """The first (iteration, seconds) at which the run reached the problem's target: f - f* <=
    tolerance (f0 - f*) where f* is known, else f <= target; None if it never did."""
    if problem.optimum is not None:
        threshold = problem.optimum + tolerance * (run.objective[0] - problem.optimum)
    else:
        threshold = problem.target
    for i, (value, seconds) in enumerate(zip(run.objective, run.seconds, strict=True)):
        if value <= threshold:
            return i, seconds
    return None


@dataclass(frozen=True)
class ProblemRace:
    """The race on one problem: the chosen run and the whole grid per optimizer, and the
    optimizers left out with the reason."""

    problem: Problem
    chosen: dict[str, RaceRun]
    grids: dict[str, list[RaceRun]]
    left_out: dict[str, str]


def race_problem(problem: Problem, config: OptimizerRaceConfig, console: Any = None) -> ProblemRace:
    chosen, grids, left_out = {}, {}, {}
    parameters = problem.parameters()
    for name in config.optimizers:
        if name == "newton" and parameters > config.newton_max_parameters:
            left_out[name] = (
                f"the exact Hessian of {parameters:,} parameters has {parameters**2:,} entries, "
                f"over newton_max_parameters = {config.newton_max_parameters:,} parameters; "
                "Newton-CG uses Hessian-vector products instead"
            )
            continue
        chosen[name], grids[name] = race_optimizer(problem, name, problem.epochs, config)
        if console is not None:
            console.print(
                f"  {problem.name}: {name} lr {chosen[name].lr:g}, final objective "
                f"{chosen[name].final():.6g}"
            )
    return ProblemRace(problem, chosen, grids, left_out)
