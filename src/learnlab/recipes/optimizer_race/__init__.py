"""optimizer-race: the lecture's optimizers (L4) on the same three training objectives, and
iterations against the condition number on a quadratic beside the theory.

Problems (`problems`): (a) L2-regularised multinomial logistic regression on the 8x8 digits,
(b) a one-hidden-layer tanh MLP on a subset of MNIST, (c) an ill-conditioned quadratic
(kappa = 1,000 by default). Optimizers: those of `optimizers`, built by name with
`learnlab.train.optimizers.build_optimizer`; each trains through the Trainer (`race`).

Full batch or minibatches, per problem: the logistic regression and the quadratic are small,
deterministic objectives, so every optimizer takes full-batch steps there (one iteration = one
step on the exact gradient: the race compares update rules, not gradient noise; the
batch-size-noise recipe measures that). On the MLP the first-order methods take minibatches
(how they are used on networks: one pass of minibatches costs about one full gradient), while
L-BFGS, CG, Newton-CG and Newton take full-batch steps (their line searches and curvature
estimates need the exact objective); its x axis is epochs, one pass over the data, and the
table adds the passes the evaluations cost (a line search evaluates several times a step).

The race is about optimisation, so each optimizer's learning rate is chosen per problem by a
small grid (`lr_grids`, defaults `config.DEFAULT_LR_GRIDS`) on the final training objective;
L-BFGS (one iteration per step, strong-Wolfe line search), CG, Newton-CG and Newton take lr 1:
their line search or Newton step sets the step length. Newton runs only where the exact
Hessian is affordable (`newton_max_parameters`); elsewhere the table says why it is left out.

The condition-number study (`conditioning`): gradient descent with step 2 / (L + mu) and
heavy-ball momentum with the theory's optimal step and momentum, iterations to reduce
||x - x*|| by `conditioning_tolerance`, against kappa; fitted log-log slopes beside the
theory's 1 (kappa) and 0.5 (sqrt kappa).

Resume: the recipe is one computation of a few minutes; `--resume` runs it again.
"""

from __future__ import annotations

import math
import time
from typing import Any

from learnlab.recipes.context import RunContext
from learnlab.recipes.optimizer_race.config import OptimizerRaceConfig
from learnlab.recipes.registry import register_recipe
from learnlab.result import FigureSpec, Result

NAME = "optimizer-race"

QUICK = {
    "digits_examples": 300,
    "logistic_iterations": 15,
    "mnist_examples": 256,
    "hidden": 8,
    "mlp_epochs": 3,
    "mlp_target": 1.0,
    "dimension": 20,
    "kappa": 100.0,
    "quadratic_iterations": 30,
    "kappas": [10.0, 100.0, 1000.0],
    # two learning rates per first-order optimizer: a grid still, at a third of the runs
    "lr_grids": {
        "sgd": [0.3, 3.0],
        "momentum": [0.03, 0.3],
        "nesterov": [0.03, 0.3],
        "adagrad": [0.03, 0.3],
        "rmsprop": [0.003, 0.03],
        "adam": [0.003, 0.03],
    },
}


@register_recipe(
    NAME,
    "SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam, L-BFGS (and CG, Newton-CG, Newton) on "
    "logistic regression, an MNIST MLP and an ill-conditioned quadratic; iterations against "
    "the condition number for gradient descent and momentum beside the theory",
    OptimizerRaceConfig,
    quick=QUICK,
)
def run(config: OptimizerRaceConfig, ctx: RunContext) -> Result:
    from learnlab.recipes.optimizer_race.conditioning import conditioning_study
    from learnlab.recipes.optimizer_race.problems import build_problems
    from learnlab.recipes.optimizer_race.race import race_problem

    started = time.perf_counter()
    races = [race_problem(p, config, ctx.console) for p in build_problems(config)]
    study = conditioning_study(config.kappas, config.conditioning_tolerance)
    return _result(config, races, study, time.perf_counter() - started)


def _result(config: OptimizerRaceConfig, races: list, study: Any, seconds: float) -> Result:
    from learnlab.recipes.optimizer_race import tables

    summary = tables.summary(races, study, config.tolerance) | {"seconds": seconds}
    slopes = (
        f"gradient descent {study.slopes['gradient descent']:.2f} (theory 1), heavy-ball "
        f"momentum {study.slopes['heavy-ball momentum']:.2f} (theory 0.5)"
    )
    return Result(
        kind=NAME,
        title=f"{NAME}: the lecture's optimizers on three training objectives",
        summary=summary,
        notes=_notes(config, races, slopes, seconds),
        tables={
            "final objective and time to target (chosen lr per optimizer and problem)": (
                tables.race_rows(races, config.tolerance)
            ),
            "learning-rate grid (chosen by the final training objective)": tables.grid_rows(races),
            "iterations to the tolerance against kappa": tables.conditioning_rows(study),
            "fitted slopes of log iterations on log kappa": tables.slope_rows(study),
        },
        figures=_figures(races, study),
        index={"dataset": "digits, mnist, quadratic", "model": "logistic, mlp"},
        headline=f"[bold]{NAME}[/]: slopes against kappa: {slopes}",
    )


def _notes(config: OptimizerRaceConfig, races: list, slopes: str, seconds: float) -> list[str]:
    notes = [
        "An optimisation race: each optimizer's learning rate was chosen per problem by a grid "
        "on the final TRAINING objective (no validation or test data are involved); the "
        "chosen lr is in the first table, every lr tried in the second.",
        "Full batch on the logistic regression and the quadratic (small deterministic "
        "objectives: the race compares update rules, not gradient noise); on the MLP, "
        f"minibatches of {config.batch_size} for the first-order methods (as networks are "
        "trained) and full batches for L-BFGS, CG, Newton-CG and Newton (their line searches "
        "and curvature estimates need the exact objective). Targets: f - f* <= "
        f"{config.tolerance:g} (f0 - f*) on the convex problems (f* by scipy's L-BFGS-B, or "
        f"exact on the quadratic), f <= {config.mlp_target:g} on the MLP.",
        f"Condition-number study (tolerance {config.conditioning_tolerance:g} on ||x - x*||, "
        f"kappa {', '.join(f'{k:g}' for k in config.kappas)}): fitted slopes {slopes}.",
        f"{seconds:.0f} s in all; times are wall-clock training seconds on this machine "
        "(evaluations of the curve excluded).",
    ]
    for race in races:
        for name, reason in race.left_out.items():
            notes.append(f"{name} left out on {race.problem.name}: {reason}.")
    return notes


def _figures(races: list, study: Any) -> list[FigureSpec]:
    from learnlab.recipes.optimizer_race.figures import conditioning_figure, race_figure

    problems = [
        {
            "name": r.problem.name,
            "title": r.problem.title,
            "optimum": r.problem.optimum,
            "x_label": r.problem.x_label,
            "optimizers": list(r.chosen),
        }
        for r in races
    ]
    curves, seconds = {}, {}
    for r in races:
        for name, run in r.chosen.items():
            # JSON lists: a diverged run's inf or nan is stored as null (drawn as a gap)
            curves[f"{r.problem.name}/{name}"] = [
                v if math.isfinite(v) else None for v in run.objective
            ]
            seconds[f"{r.problem.name}/{name}"] = run.seconds
    data = {"problems": problems, "curves": curves, "seconds": seconds}
    study_data = {
        "kappas": study.kappas,
        "iterations": study.iterations,
        "theory": study.theory,
        "slopes": study.slopes,
    }
    return [
        FigureSpec(
            "training objective against iterations", race_figure, data | {"axis": "iterations"}
        ),
        FigureSpec("training objective against wall time", race_figure, data | {"axis": "seconds"}),
        FigureSpec(
            "iterations to the tolerance against the condition number",
            conditioning_figure,
            study_data,
        ),
    ]
