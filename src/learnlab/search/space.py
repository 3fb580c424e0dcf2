"""The search space of `learnlab search`: parameters written in TOML, validated with pydantic.

A search file is a TrainConfig with one more table, `[search]`; everything outside it is the
base configuration of every trial, and `[search.space]` says which keys vary and how:

    dataset = "digits"
    model = "mlp"
    [search]
    sampler = "tpe"
    [search.space]
    lr = { type = "float", low = 1e-4, high = 0.1, log = true }
    batch_size = { type = "categorical", choices = [32, 64, 128] }
    "model_options.width" = { type = "int", low = 16, high = 256, log = true }

Dotted names set nested options (`model_options.width`). Three kinds of parameter, as the
lecture's grid and random layouts need them:

- `float`: a range [low, high], uniform or `log`-uniform, or a lattice with `step`;
- `int`: a range of integers, every `step`-th one, or log-uniform;
- `categorical`: a list of `choices` (numbers, strings, booleans).

Grid search (nested loops over ordered tuples of values) needs every parameter finite: a
categorical, an int range, or a float with a step. Random search draws each value
independently of the others (Bergstra & Bengio 2012, "Random Search for Hyper-Parameter
Optimization"); the Bayesian samplers draw from the same distributions (see samplers.py).
"""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from learnlab.config import StrictModel, validate
from learnlab.io.errors import ConfigError

if TYPE_CHECKING:
    import optuna

ParamValue = bool | int | float | str
# A grid larger than this is almost certainly a mistake (a step far too small).
MAX_GRID_POINTS = 100_000


class FloatParam(StrictModel):
    """A real number in [low, high]: uniform, log-uniform, or on a lattice of `step`."""

    type: Literal["float"]
    low: float
    high: float
    log: bool = False
    step: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _consistent(self) -> FloatParam:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}; swap them")
        if self.log and self.low <= 0:
            raise ValueError(f"a log scale needs low > 0 (got low {self.low})")
        if self.log and self.step is not None:
            raise ValueError("log and step cannot be combined; drop one of them")
        if self.step is not None:
            count = (self.high - self.low) / self.step
            if abs(count - round(count)) > 1e-9 * max(1.0, count):
                raise ValueError(
                    f"high - low ({self.high - self.low:g}) is not a multiple of step "
                    f"{self.step:g}; change high or step"
                )
        return self

    def suggest(self, trial: optuna.Trial, name: str) -> float:
        return trial.suggest_float(name, self.low, self.high, log=self.log, step=self.step)

    def grid(self, name: str) -> list[float]:
        if self.step is None:
            raise ConfigError(
                f"the grid sampler needs a finite set of values, but {name!r} is a continuous "
                f"float range [{self.low:g}, {self.high:g}].\n"
                f'Give it a step (e.g. {name} = {{ type = "float", low = {self.low:g}, '
                f"high = {self.high:g}, step = {(self.high - self.low) / 4 or 1:g} }}), make it "
                'categorical, or use sampler = "random", "tpe" or "gp".'
            )
        count = round((self.high - self.low) / self.step) + 1
        # low + i * step in binary floating point carries step's rounding (0.1 + 2 * 0.1 is
        # 0.30000000000000004, above high = 0.3; -0.3 + 3 * 0.1 is 5.6e-17): add the decimals
        # as written (shortest repr) exactly, then keep the values in [low, high], ending at high
        low, step = Decimal(repr(self.low)), Decimal(repr(self.step))
        values = [min(max(float(low + i * step), self.low), self.high) for i in range(count)]
        values[-1] = self.high
        return values

    def corners(self) -> list[float]:
        return [self.low, self.high]


class IntParam(StrictModel):
    """An integer in [low, high]: every `step`-th one, uniform or log-uniform."""

    type: Literal["int"]
    low: int
    high: int
    log: bool = False
    step: int = Field(1, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> IntParam:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}; swap them")
        if self.log and self.low < 1:
            raise ValueError(f"a log scale needs low >= 1 (got low {self.low})")
        if self.log and self.step != 1:
            raise ValueError("log and step cannot be combined; drop one of them")
        if (self.high - self.low) % self.step:
            raise ValueError(
                f"high - low ({self.high - self.low}) is not a multiple of step {self.step}; "
                "change high or step"
            )
        return self

    def suggest(self, trial: optuna.Trial, name: str) -> int:
        return trial.suggest_int(name, self.low, self.high, log=self.log, step=self.step)

    def grid(self, name: str) -> list[int]:
        del name
        return list(range(self.low, self.high + 1, self.step))

    def corners(self) -> list[int]:
        return [self.low, self.high]


class CategoricalParam(StrictModel):
    """One of a list of choices, all equally likely a priori."""

    type: Literal["categorical"]
    choices: list[ParamValue] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct(self) -> CategoricalParam:
        seen = [(type(c), c) for c in self.choices]
        if len(set(seen)) != len(seen):
            raise ValueError(f"choices {self.choices} repeat a value; list each once")
        return self

    def suggest(self, trial: optuna.Trial, name: str) -> ParamValue:
        return trial.suggest_categorical(name, self.choices)

    def grid(self, name: str) -> list[ParamValue]:
        del name
        return list(self.choices)

    def corners(self) -> list[ParamValue]:
        return list(self.choices)


Param = FloatParam | IntParam | CategoricalParam
PARAM_TYPES: dict[str, type[StrictModel]] = {
    "float": FloatParam,
    "int": IntParam,
    "categorical": CategoricalParam,
}
EXAMPLE = (
    'lr = { type = "float", low = 1e-4, high = 0.1, log = true }\n'
    'batch_size = { type = "categorical", choices = [32, 64, 128] }\n'
    '"model_options.width" = { type = "int", low = 16, high = 256 }'
)


def parse_space(table: Any) -> dict[str, Param]:
    """The `[search.space]` table -> {dotted name: parameter}, in the order written.

    Nested tables are read as dotted names, so `model_options.width = {...}` written without
    quotes (a nested table in TOML) means the same as `"model_options.width" = {...}`.
    """
    if not isinstance(table, dict) or not table:
        raise ConfigError(
            "[search.space] is missing or empty: name at least one parameter to search, e.g.\n"
            f"[search.space]\n{EXAMPLE}"
        )
    space: dict[str, Param] = {}
    for name, spec in _flatten_space(table):
        kind = spec.get("type")
        if kind not in PARAM_TYPES:
            raise ConfigError(
                f"search space parameter {name!r}: unknown type {kind!r}; the types are "
                f"{', '.join(PARAM_TYPES)}. For example:\n{EXAMPLE}"
            )
        space[name] = validate(PARAM_TYPES[kind], spec, source=f"search space parameter {name!r}")
    return space


def _flatten_space(table: dict[str, Any], prefix: str = "") -> list[tuple[str, dict]]:
    items: list[tuple[str, dict]] = []
    for key, value in table.items():
        name = f"{prefix}{key}"
        if not isinstance(value, dict):
            raise ConfigError(
                f"search space parameter {name!r} must be a table such as "
                f'{{ type = "float", low = 0.001, high = 0.1 }}, not {value!r}'
            )
        if "type" in value or not value or not all(isinstance(v, dict) for v in value.values()):
            items.append((name, value))
        else:  # a nested table of parameters: `model_options.width = {...}` without quotes
            items += _flatten_space(value, prefix=f"{name}.")
    return items


def grid_values(space: dict[str, Param]) -> dict[str, list[ParamValue]]:
    """Every parameter's finite list of values (ConfigError naming any that is continuous)."""
    grid = {name: param.grid(name) for name, param in space.items()}
    size = math.prod(len(values) for values in grid.values())
    if size > MAX_GRID_POINTS:
        raise ConfigError(
            f"the grid has {size:,} points (more than {MAX_GRID_POINTS:,}); use larger steps, "
            'fewer choices, or sampler = "random" or "tpe".'
        )
    return grid


def grid_size(space: dict[str, Param]) -> int:
    return math.prod(len(values) for values in grid_values(space).values())


def suggest(space: dict[str, Param], trial: optuna.Trial) -> dict[str, ParamValue]:
    """Ask the trial for one value of every parameter, in the order of the space."""
    return {name: param.suggest(trial, name) for name, param in space.items()}


def with_params(base: dict[str, Any], params: dict[str, ParamValue]) -> dict[str, Any]:
    """A deep copy of `base` with every dotted parameter name set to its value."""
    data = copy.deepcopy(base)
    for name, value in params.items():
        parts = name.split(".")
        node = data
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                where = ".".join(parts[: depth + 1])
                raise ConfigError(
                    f"search space parameter {name!r}: {where!r} holds a value ({child!r}), "
                    "not a table of options; only tables such as model_options take dotted names."
                )
            node = child
        node[parts[-1]] = value
    return data


def trial_config(base: dict[str, Any], params: dict[str, ParamValue]):
    """The TrainConfig of one trial: the base with the parameters set, validated."""
    from learnlab.config import TrainConfig

    shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
    try:
        return validate(TrainConfig, with_params(base, params), source=f"trial config ({shown})")
    except ConfigError as exc:
        raise ConfigError(
            f"{exc}\nThe search space allows a configuration that TrainConfig rejects; "
            "narrow that parameter's range in [search.space]."
        ) from None


def check_trial_configs(base: dict[str, Any], space: dict[str, Param]) -> None:
    """Validate, before any trial runs, the configs at every end of every range (and every
    choice) with the other parameters at their first value: most invalid combinations then
    fail here, in a second, rather than halfway through a search."""
    first = {name: param.corners()[0] for name, param in space.items()}
    checked: set[str] = set()
    for name, param in space.items():
        for value in param.corners():
            params = {**first, name: value}
            key = repr(list(params.items()))  # repr keeps 1 and True apart
            if key not in checked:
                checked.add(key)
                trial_config(base, params)


def describe(param: Param) -> dict[str, Any]:
    """The parameter as plain data (for the study's record and the report)."""
    return param.model_dump(exclude_defaults=False)
