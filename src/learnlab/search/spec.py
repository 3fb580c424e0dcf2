"""A search file, read and checked: the `[search]` settings, the space, the base config.

    [search]
    objective = "train"          # or "synthetic:branin", "synthetic:curve", ...
    metric = "val_accuracy"      # any key of a trial's summary or per-epoch history
    direction = "maximize"       # inferred from the metric's name when left out
    sampler = "tpe"              # grid | random | tpe | gp
    pruner = "median"            # none | median | halving
    trials = 20                  # finished trials the study is to hold (see runner.py)
    seed = 0                     # the samplers' seed; the trials' training seed is `seed`
                                 # outside [search] (the same for every trial)
    heartbeat_seconds = 10       # a worker's trial not heard of for grace_seconds
    grace_seconds = 20           # (default 2 x heartbeat) is failed and run again

Everything is checked before the first trial: unknown keys and names, the space (space.py),
and, for training, the trial configs at the ends of every range (space.check_trial_configs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from learnlab.config import StrictModel, TrainConfig, validate
from learnlab.config_text import apply_assignments, read_toml
from learnlab.io.errors import ConfigError
from learnlab.search import space as space_module
from learnlab.search.space import Param

SAMPLERS = ("grid", "random", "tpe", "gp")
PRUNERS = ("none", "median", "halving")
MAXIMIZED_TOKENS = {"accuracy", "acc", "f1", "precision", "recall", "auc", "r2"}
MINIMIZED_TOKENS = {"loss", "error", "mse", "mae", "seconds", "perplexity"}
SYNTHETIC_METRIC = "objective"


class SearchSettings(StrictModel):
    """The `[search]` table; `space` is parsed by space.parse_space."""

    objective: str = "train"
    objective_options: dict[str, Any] = Field(default_factory=dict)
    metric: str | None = None
    direction: Literal["minimize", "maximize"] | None = None
    sampler: Literal["grid", "random", "tpe", "gp"] = "tpe"
    sampler_options: dict[str, Any] = Field(default_factory=dict)
    pruner: Literal["none", "median", "halving"] = "none"
    pruner_options: dict[str, Any] = Field(default_factory=dict)
    trials: int = Field(20, ge=1, le=100_000)
    seed: int = Field(0, ge=0, lt=2**32)
    heartbeat_seconds: int = Field(10, ge=1, le=3600)
    grace_seconds: int | None = Field(None, ge=1)
    space: dict[str, Any] = Field(default_factory=dict)


@dataclass
class SearchSpec:
    """Everything a worker needs to take part in a search; `definition()` is what every
    worker of one study must agree on."""

    settings: SearchSettings
    space: dict[str, Param]
    base: dict[str, Any]  # the validated base TrainConfig (empty for synthetic objectives)
    metric: str
    direction: str
    name: str  # the default study name: the search file's stem
    target_trials: int  # settings.trials, or the grid's size when that is smaller
    notes: list[str] = field(default_factory=list)

    @property
    def synthetic(self) -> bool:
        from learnlab.search.synthetic import is_synthetic

        return is_synthetic(self.settings.objective)

    def definition(self) -> dict[str, Any]:
        """What makes two workers' results comparable: objective, metric, direction, space,
        base config. (Sampler, pruner, seed and trial count may change between runs.)"""
        return {
            "objective": self.settings.objective,
            "objective_options": self.settings.objective_options,
            "metric": self.metric,
            "direction": self.direction,
            "space": {name: param.model_dump() for name, param in self.space.items()},
            "base": self.base,
        }


def load_search(
    path: str | Path,
    *,
    sampler: str | None = None,
    pruner: str | None = None,
    trials: int | None = None,
    seed: int | None = None,
    assignments: list[str] | None = None,
) -> SearchSpec:
    """Read a search file; the keyword arguments (command-line flags) override `[search]`,
    `assignments` (`--set key=value`) the base config."""
    path = Path(path)
    data = read_toml(path)
    table = data.pop("search", None)
    if not isinstance(table, dict):
        raise ConfigError(
            f"{path} has no [search] table: a search file is a training config plus [search] "
            'with the parameters to vary, e.g.\n[search]\nsampler = "tpe"\ntrials = 20\n'
            f"[search.space]\n{space_module.EXAMPLE}"
        )
    flags = {"sampler": sampler, "pruner": pruner, "trials": trials, "seed": seed}
    table = {**table, **{k: v for k, v in flags.items() if v is not None}}
    settings = validate(SearchSettings, table, source=f"[search] of {path}")
    space = space_module.parse_space(settings.space)
    notes: list[str] = []

    if settings.objective == "train":
        base_model = validate(TrainConfig, apply_assignments(data, assignments or []), source=path)
        base = base_model.model_dump()
        space_module.check_trial_configs(base, space)
        metric = settings.metric or "val_accuracy"
        if metric.startswith("test_"):
            notes.append(
                f"The metric {metric} is measured on the test set: hyperparameters chosen on it "
                "make that test estimate optimistic. Tune on validation data (val_*) and keep "
                "the test set for the final estimate (lecture 4)."
            )
    else:
        from learnlab.search.synthetic import get_synthetic, parse_options

        if assignments:
            raise ConfigError(
                f"--set changes the training config, but objective {settings.objective!r} "
                'trains nothing; drop --set or use objective = "train".'
            )
        get_synthetic(settings.objective).check_space(space)
        parse_options(settings.objective_options)
        base, metric = {}, SYNTHETIC_METRIC
    direction = settings.direction or infer_direction(
        metric, synthetic=settings.objective != "train"
    )

    target = settings.trials
    if settings.sampler == "grid":
        size = space_module.grid_size(space)
        if size < target:
            notes.append(f"The grid has {size} points; the search stops after {size} trials.")
            target = size
    return SearchSpec(settings, space, base, metric, direction, path.stem, target, notes)


def infer_direction(metric: str, *, synthetic: bool = False) -> str:
    """maximize for accuracies and scores, minimize for losses and errors; else ask."""
    if synthetic:
        return "minimize"
    tokens = set(re.split(r"[^a-z0-9]+", metric.lower()))
    if tokens & MAXIMIZED_TOKENS:
        return "maximize"
    if tokens & MINIMIZED_TOKENS:
        return "minimize"
    raise ConfigError(
        f"cannot tell from its name whether metric {metric!r} is to be maximised or minimised; "
        'set direction = "maximize" or "minimize" in [search].'
    )
