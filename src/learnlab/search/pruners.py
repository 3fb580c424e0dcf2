"""Pruner names -> Optuna pruners: stop trials whose intermediate values are already bad.

A trial reports its metric after every epoch (or every step of a synthetic curve); the pruner
decides from the values of all trials at that step whether this one goes on.

- `none`: every trial runs to the end.
- `median`: prune a trial whose best value so far is worse than the median of the other
  trials' values at the same step (the median stopping rule of Google Vizier: Golovin et al.
  2017, "Google Vizier: A Service for Black-Box Optimization"). Options: `n_startup_trials`
  (5: no pruning until that many trials finished), `n_warmup_steps` (0), `interval_steps`.
- `halving`: asynchronous successive halving (Jamieson & Talwalkar 2016, "Non-stochastic Best
  Arm Identification and Hyperparameter Optimization"; Li et al. 2018, "A System for Massively
  Parallel Hyperparameter Tuning", ASHA): rungs at min_resource * reduction_factor^k steps;
  a trial reaching a rung goes on only if it is in the top 1/reduction_factor of the trials
  that reached that rung. Options: `min_resource` ("auto"), `reduction_factor` (4),
  `min_early_stopping_rate` (0).

Steps are epochs, counted from 1 (a synthetic curve's steps likewise), so `n_warmup_steps = 2`
prunes nothing before the end of epoch 2. Both pruners are deterministic: they read the
study's trials and draw nothing at random.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from learnlab.io.errors import ConfigError
from learnlab.search.samplers import check_options

if TYPE_CHECKING:
    import optuna


def pruner_class(name: str) -> type[optuna.pruners.BasePruner]:
    import optuna

    classes = {
        "none": optuna.pruners.NopPruner,
        "median": optuna.pruners.MedianPruner,
        "halving": optuna.pruners.SuccessiveHalvingPruner,
    }
    if name not in classes:
        raise ConfigError(f"unknown pruner {name!r}; the pruners are {', '.join(classes)}.")
    return classes[name]


def build_pruner(name: str, options: dict[str, Any] | None = None) -> optuna.pruners.BasePruner:
    """The named pruner; `options` go to its constructor."""
    cls = pruner_class(name)
    kwargs = dict(options or {})
    check_options(f"pruner {name!r}", cls, kwargs, reserved=())
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"pruner {name!r}: {exc}") from None
