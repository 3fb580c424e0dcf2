"""Sampler names -> Optuna samplers, each seeded.

- `grid`: every point of the product of the parameters' value lists, each once: the runner
  queues the points in a seeded order and every trial runs a queued one (grid.py).
- `random`: each value drawn independently from its distribution (Bergstra & Bengio 2012,
  "Random Search for Hyper-Parameter Optimization": with few parameters that matter, random
  points cover each of them more densely than a grid of the same size).
- `tpe`: the Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kegl 2011,
  "Algorithms for Hyper-Parameter Optimization"): split past trials at a quantile of their
  values into good and bad, fit a Parzen density l(x) to the good and g(x) to the bad ones,
  and draw the candidate that maximises l(x) / g(x), which maximises expected improvement.
- `gp`: Gaussian-process Bayesian optimisation (Snoek, Larochelle, Adams 2012, "Practical
  Bayesian Optimization of Machine Learning Algorithms"): fit a GP (Matern 5/2 kernel) to the
  past trials and pick the point of largest expected improvement.

The Bayesian samplers draw their first `n_startup_trials` (10 by default) at random.
`sampler_options` in `[search]` are passed to the sampler's constructor (e.g.
`n_startup_trials = 5`).

Seeds: random, tpe and gp draw trial k's values with a sampler seeded from (seed, k)
(`PerTrialSeed`). One worker on a fresh study thus gives the same trials every time; a resumed
study does not repeat its first draws; and workers sharing a study, whose trials have distinct
numbers, do not draw the same points (one sampler seeded alike in every worker would). The grid
is queued in the order of a shuffle seeded with the seed its study was started with (grid.py).
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import optuna

from learnlab.io.errors import ConfigError
from learnlab.search.grid import QueuedGridSampler
from learnlab.search.space import Param, grid_values


def sampler_class(name: str) -> type[optuna.samplers.BaseSampler]:
    classes = {
        "grid": QueuedGridSampler,
        "random": optuna.samplers.RandomSampler,
        "tpe": optuna.samplers.TPESampler,
        "gp": optuna.samplers.GPSampler,
    }
    if name not in classes:
        raise ConfigError(f"unknown sampler {name!r}; the samplers are {', '.join(classes)}.")
    return classes[name]


def build_sampler(
    name: str, space: dict[str, Param], *, seed: int, options: dict[str, Any] | None = None
) -> optuna.samplers.BaseSampler:
    """The named sampler over `space`, seeded with `seed`; `options` go to its constructor."""
    cls = sampler_class(name)
    kwargs = dict(options or {})
    check_options(f"sampler {name!r}", cls, kwargs, reserved=("seed", "search_space"))
    if name == "grid":
        grid_values(space)  # ConfigError for a continuous parameter, or a grid too large
        return QueuedGridSampler()

    def make(seed: int) -> optuna.samplers.BaseSampler:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            try:
                return cls(seed=seed, **kwargs)
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"sampler {name!r}: {exc}") from None

    return PerTrialSeed(make, seed)


def trial_seed(seed: int, trial_number: int) -> int:
    """A seed for trial `trial_number` of a search seeded with `seed` (independent streams)."""
    import numpy as np

    return int(np.random.SeedSequence([seed, trial_number]).generate_state(1)[0])


class PerTrialSeed(optuna.samplers.BaseSampler):
    """A sampler that draws each trial with a fresh sampler seeded from (seed, trial number).

    Optuna calls `before_trial` right after a trial is created (its number known) and before
    anything is sampled; the sampler made there serves the rest of that trial. One trial at a
    time per process (the search runs trials one after another).
    """

    def __init__(self, make: Callable[[int], Any], seed: int) -> None:
        self._make, self._seed = make, seed
        self._current = make(seed)

    def before_trial(self, study, trial) -> None:
        self._current = self._make(trial_seed(self._seed, trial.number))
        self._current.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._current.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._current.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._current.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self._current.after_trial(study, trial, state, values)

    def reseed_rng(self) -> None:
        self._current.reseed_rng()


def check_options(what: str, cls: type, options: dict[str, Any], reserved: tuple[str, ...]) -> None:
    """ConfigError for an option the constructor of `cls` does not take (naming those it does)."""
    accepted = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    settable = [n for n in accepted if n not in reserved]
    for key in options:
        if key not in settable:
            raise ConfigError(
                f"{what} takes no option {key!r}; its options are: "
                f"{', '.join(settable) or '(none)'}."
            )
