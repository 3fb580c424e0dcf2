"""Grid search that evaluates every point once, whatever stops a worker.

Optuna's GridSampler counts a point as visited once any trial with it has finished, FAIL
included; but a trial interrupted by Ctrl-C, failed as an orphan or as surplus, or whose
retries ran out ends FAIL and is not counted by the runner (runner.py), so its point was
never run again, and once the sampler ran out of unvisited points it ran one a second time.
Here a grid trial runs only a point queued for it, and the queue is fed from the study:

    1. the grid's points in a fixed order: the product of the parameters' values, shuffled
       (so that a search asked for fewer trials than the grid holds spreads them out) with the
       seed the study was started with, recorded in the study: a resumed study keeps its order
       whatever --seed says;
    2. before each trial, a worker looks at the places held (points of trials that count
       toward the target, or are running or queued) and, while fewer than the target, queues
       the first point in that order that nobody holds (`study.enqueue_trial`); Optuna pops a
       queued trial atomically, so two workers never pop the same one;
    3. two workers that look at the same moment queue the same point twice; the trial with
       the larger number then finds the point held by one before it and ends at once as
       surplus (FAIL, not counted, never evaluated), see runner.py. A trial that Optuna
       created because another worker popped the queued point first ends so too.

So a point is evaluated again only when the trial that held it failed without counting, and
the counted trials of a grid search cover each point once. (Studies from before this scheme
may hold a point twice; they count as one place, so the missing points are still run.)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import optuna

from learnlab.search.space import Param, ParamValue, grid_values

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

GRID_SEED_ATTR = "learnlab_grid_seed"
FIXED_PARAMS = "fixed_params"  # Optuna's system attribute of a queued trial
SIGNIFICANT_DIGITS = 12

PointKey = tuple[tuple[str, Any], ...]


def value_key(value: Any) -> tuple[str, Any]:
    """A value as compared between trials: its type kept (1, 1.0 and True are different
    choices), floats to 12 significant digits (0.30000000000000004 is the grid's 0.3)."""
    if isinstance(value, float) and math.isfinite(value):
        value = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    return type(value).__name__, value


def trial_point(trial: FrozenTrial) -> Mapping[str, Any]:
    """The parameters a trial runs: queued ones before it starts, drawn ones after."""
    return trial.system_attrs.get(FIXED_PARAMS) or trial.params


@dataclass(frozen=True)
class GridPlan:
    """The grid's points in the order they are queued; `seed` is the shuffle's seed."""

    names: tuple[str, ...]
    order: tuple[dict[str, ParamValue], ...]
    seed: int

    @classmethod
    def build(cls, space: dict[str, Param], seed: int) -> GridPlan:
        import numpy as np

        values = grid_values(space)
        points = list(itertools.product(*values.values()))
        shuffled = np.random.default_rng(seed).permutation(len(points))
        names = tuple(values)
        order = tuple(dict(zip(names, points[i], strict=True)) for i in shuffled)
        return cls(names, order, seed)

    def key(self, params: Mapping[str, Any]) -> PointKey | None:
        """The point's key, or None when a parameter is missing (a trial that ran nothing)."""
        if any(name not in params for name in self.names):
            return None
        return tuple(value_key(params[name]) for name in self.names)

    def keys(self, trials: Iterable[FrozenTrial]) -> set[PointKey]:
        """The distinct points of `trials`."""
        found = (self.key(trial_point(t)) for t in trials)
        return {k for k in found if k is not None}

    def next_free(self, held: set[PointKey]) -> dict[str, ParamValue] | None:
        """The first point in the order that is not in `held`."""
        for point in self.order:
            if self.key(point) not in held:
                return point
        return None


def study_grid_seed(study: optuna.Study, seed: int) -> int:
    """The seed of the study's grid order: recorded when the study first runs a grid."""
    stored = study.user_attrs.get(GRID_SEED_ATTR)
    if stored is None:
        study.set_user_attr(GRID_SEED_ATTR, seed)
        return seed
    return int(stored)


class QueuedGridSampler(optuna.samplers.BaseSampler):
    """The sampler of a grid study: its trials run queued points (GridPlan), so there is
    nothing to draw; a trial with nothing queued is ended by the runner before it asks."""

    def infer_relative_search_space(self, study, trial):
        return {}

    def sample_relative(self, study, trial, search_space):
        return {}

    def sample_independent(self, study, trial, param_name, param_distribution):
        raise ValueError(
            f"grid trial {trial.number} has no queued value of {param_name!r} in "
            f"{param_distribution}: grid trials run only points queued from the grid"
        )
