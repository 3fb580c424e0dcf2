"""Synthetic objectives: cheap functions with known optima, to test and demonstrate the search.

Selected in the search file with `objective = "synthetic:NAME"` in `[search]` (instead of
training a model); `[search.objective_options]` takes `steps` (how many intermediate values a
curve reports) and `seconds_per_step` (a sleep per step, to make trials last like real ones).

- `branin`: the Branin-Hoo function of x1, x2, a standard test of global optimisers
  (Dixon & Szego 1978, "The Global Optimization Problem: an Introduction"; also the benchmark
  of Snoek, Larochelle, Adams 2012):
  f = a (x2 - b x1^2 + c x1 - r)^2 + s (1 - t) cos(x1) + s with a=1, b=5.1/(4 pi^2),
  c=5/pi, r=6, s=10, t=1/(8 pi); three global minima of 0.397887, at (-pi, 12.275),
  (pi, 2.275) and (9.42478, 2.475), on the usual domain x1 in [-5, 10], x2 in [0, 15].
- `quadratic`: sum over every parameter of (x - 1)^2; minimum 0 where every x is 1.
- `curve`: a simulated learning curve of a learning rate `lr`. The loss at step t of T is
  floor(lr) + exp(-3 t / T) with floor(lr) = 0.1 + 0.05 (log10 lr + 2)^2, so the final value
  depends on lr (best at lr = 0.01, final 0.1 + e^-3) and every step is reported to the
  pruner: a trial with a bad lr is worse than the median from its first step on, which is what
  median pruning and successive halving exploit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import Field

from learnlab.config import StrictModel, validate
from learnlab.io.errors import ConfigError, unknown_name
from learnlab.search.space import CategoricalParam, Param

# report(value, step): records an intermediate value; raises optuna.TrialPruned when the
# study's pruner stops the trial there.
Reporter = Callable[[float, int], None]
PREFIX = "synthetic:"
BRANIN_MINIMUM = 0.397887
BRANIN_MINIMIZERS = ((-math.pi, 12.275), (math.pi, 2.275), (9.42478, 2.475))


class SyntheticOptions(StrictModel):
    """`[search.objective_options]` of a synthetic objective."""

    steps: int = Field(20, ge=1, le=10_000)
    seconds_per_step: float = Field(0.0, ge=0, le=60)


def branin(x1: float, x2: float) -> float:
    a, b, c = 1.0, 5.1 / (4 * math.pi**2), 5 / math.pi
    r, s, t = 6.0, 10.0, 1 / (8 * math.pi)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * math.cos(x1) + s


def quadratic(values: dict[str, float]) -> float:
    return sum((x - 1.0) ** 2 for x in values.values())


def curve_floor(lr: float) -> float:
    return 0.1 + 0.05 * (math.log10(lr) + 2.0) ** 2


def curve_value(lr: float, step: int, steps: int) -> float:
    """The simulated loss after `step` of `steps` steps."""
    return curve_floor(lr) + math.exp(-3.0 * step / steps)


def _run_branin(values: dict[str, float], report: Reporter, options: SyntheticOptions) -> float:
    del report  # one evaluation, nothing to prune
    time.sleep(options.seconds_per_step)
    return branin(values["x1"], values["x2"])


def _run_quadratic(values: dict[str, float], report: Reporter, options: SyntheticOptions) -> float:
    del report
    time.sleep(options.seconds_per_step)
    return quadratic(values)


def _run_curve(values: dict[str, float], report: Reporter, options: SyntheticOptions) -> float:
    value = math.inf
    for step in range(1, options.steps + 1):
        time.sleep(options.seconds_per_step)
        value = curve_value(values["lr"], step, options.steps)
        report(value, step)
    return value


@dataclass(frozen=True)
class SyntheticObjective:
    """A synthetic objective (always minimised) and the parameters it takes."""

    name: str
    description: str
    run: Callable[[dict[str, float], Reporter, SyntheticOptions], float]
    params: tuple[str, ...] | None  # None: any number of numeric parameters
    positive: tuple[str, ...] = ()  # parameters that must be > 0

    def check_space(self, space: dict[str, Param]) -> None:
        """ConfigError unless the space gives exactly the numeric parameters this takes."""
        if self.params is not None and set(space) != set(self.params):
            raise ConfigError(
                f"objective synthetic:{self.name} takes the parameters "
                f"{', '.join(self.params)}, but [search.space] has {', '.join(space)}.\n"
                f"Example: {_EXAMPLES[self.name]}"
            )
        for name, param in space.items():
            values = param.choices if isinstance(param, CategoricalParam) else [param.low]
            if any(isinstance(v, (bool, str)) for v in values):
                raise ConfigError(
                    f"objective synthetic:{self.name} needs numbers, but {name!r} has choices "
                    f"{values}."
                )
            if name in self.positive and min(values) <= 0:
                raise ConfigError(f"objective synthetic:{self.name} needs {name} > 0.")

    def __call__(
        self, values: dict[str, float], report: Reporter, options: SyntheticOptions
    ) -> float:
        return self.run(values, report, options)


_EXAMPLES = {
    "branin": 'x1 = { type = "float", low = -5, high = 10 } and '
    'x2 = { type = "float", low = 0, high = 15 }',
    "quadratic": 'x = { type = "float", low = -3, high = 3 }',
    "curve": 'lr = { type = "float", low = 1e-5, high = 1, log = true }',
}
SYNTHETIC_OBJECTIVES: dict[str, SyntheticObjective] = {
    objective.name: objective
    for objective in (
        SyntheticObjective(
            "branin", "Branin-Hoo function of x1, x2 (minimum 0.397887)", _run_branin, ("x1", "x2")
        ),
        SyntheticObjective(
            "quadratic", "sum of (x - 1)^2 over the parameters (minimum 0)", _run_quadratic, None
        ),
        SyntheticObjective(
            "curve",
            "simulated learning curve of lr, one value per step (prunable)",
            _run_curve,
            ("lr",),
            positive=("lr",),
        ),
    )
}


def is_synthetic(objective: str) -> bool:
    return objective.startswith(PREFIX)


def get_synthetic(objective: str) -> SyntheticObjective:
    """`synthetic:NAME` -> the objective (ConfigError naming the known ones otherwise)."""
    name = objective.removeprefix(PREFIX)
    if name not in SYNTHETIC_OBJECTIVES:
        raise unknown_name(
            "synthetic objective",
            name,
            SYNTHETIC_OBJECTIVES,
            ' Write it as objective = "synthetic:NAME", or objective = "train".',
        )
    return SYNTHETIC_OBJECTIVES[name]


def parse_options(options: dict) -> SyntheticOptions:
    return validate(SyntheticOptions, options, source="[search.objective_options]")
