"""Every recipe's configuration, property-based and generic: values drawn from each config
class's own field declarations (types, bounds, choices, nested settings), given through a TOML
file and `--set`, and checked with `learnlab run NAME --dry-run`.

- Values within the declared bounds exit 0 with the resolved configuration as JSON (the
  defaults updated with exactly those values, as the config's validators normalise them), or,
  where settings depend on each other (a minimum above a maximum), exit 2 with a
  one-paragraph message and no traceback.
- One mistake (an unknown key, a value of the wrong type, a number out of its bounds or not
  finite) exits 2 with a message naming the key, no traceback, and nothing on stdout.

tests/reliability/test_reliability_config.py covers `learnlab train` and four recipes with
hand-written strategies (names of data sets, models, options); this file covers every recipe
the registry has, so a new recipe is fuzzed the day it is registered.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import types
import typing
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from learnlab.cli import main
from learnlab.commands.dryrun import with_defaults
from learnlab.recipes import get_recipe, recipe_names

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)
# fields whose strings are names checked against a registry: drawn by the hand-written
# strategies of test_reliability_config.py, left at their defaults here
NAMED_STRINGS = {"dataset", "model", "optimizer", "schedule", "init", "device"}


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def unwrap(annotation):
    """(the annotation without None, whether None is allowed)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (args[0] if len(args) == 1 else annotation), len(args) < len(
            typing.get_args(annotation)
        )
    return annotation, False


def bounds(metadata) -> dict[str, float]:
    found = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def number_strategy(kind: type, limits: dict) -> st.SearchStrategy:
    if kind is int:
        low = limits.get("ge", limits.get("gt", -1) + 1 if "gt" in limits else 0)
        high = limits.get("le", limits.get("lt", low + 1001) - 1 if "lt" in limits else low + 1000)
        return st.integers(int(low), int(min(high, low + 1000)))
    low = limits.get("ge", limits.get("gt", 0.0))
    high = limits.get("le", limits.get("lt", low + 1000.0))
    return st.floats(
        low, high, exclude_min="gt" in limits, exclude_max="lt" in limits, allow_nan=False
    )


def field_strategy(annotation, metadata) -> st.SearchStrategy | None:
    """Values the field declares valid, or None for a field left at its default."""
    annotation, _ = unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return settings_strategy(annotation)
    if origin is typing.Literal:
        return st.sampled_from(typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation) or (None,)
        inner = field_strategy(item, []) if item is not None else None
        if inner is None:
            return None
        limits = bounds(metadata)
        unique = typing.get_origin(item) is typing.Literal
        low = int(limits.get("min_length", 0))
        high = int(limits.get("max_length", 4))
        return st.lists(inner, min_size=low, max_size=max(low, high), unique=unique)
    if annotation is bool:
        return st.booleans()
    if annotation in (int, float):
        return number_strategy(annotation, bounds(metadata))
    return None  # str (names), dicts of options: left at their defaults


def settings_strategy(model: type[BaseModel]) -> st.SearchStrategy[dict]:
    optional = {}
    for name, info in model.model_fields.items():
        if name == "data_root":
            optional[name] = TEXT
        elif name not in NAMED_STRINGS:
            strategy = field_strategy(info.annotation, info.metadata)
            if strategy is not None:
                optional[name] = strategy
    return st.fixed_dictionaries({}, optional=optional)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


def dry_run(workdir: Path, recipe: str, values: dict, through_set: list[str]):
    config = workdir / "config.toml"
    lines = [f"{k} = {toml_value(v)}" for k, v in values.items() if k not in through_set]
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = [f"--set={k}={toml_value(values[k])}" for k in through_set]
    return run_cli(["run", recipe, "--config", str(config), *argv, "--dry-run"])


def merged(defaults: dict, values: dict) -> dict:
    out = dict(defaults)
    for key, value in values.items():
        is_table = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = merged(out[key], value) if is_table else value
    return out


@pytest.mark.parametrize("recipe", recipe_names())
@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_values_within_the_declared_bounds_are_accepted_or_refused_cleanly(workdir, recipe, data):
    model = get_recipe(recipe).config_class
    values = data.draw(settings_strategy(model))
    through_set = data.draw(st.lists(st.sampled_from(sorted(values) or ["-"]), unique=True))
    through_set = [k for k in through_set if k in values]
    code, out, err = dry_run(workdir, recipe, values, through_set)
    assert "Traceback" not in err, err
    if code == 0:
        # the values as given, through the validators' own normalisation (sorted sizes...)
        given_values = merged(model().model_dump(mode="json"), json.loads(json.dumps(values)))
        resolved = model.model_validate(given_values).model_dump(mode="json")
        assert json.loads(out) == with_defaults(resolved)  # options' defaults filled in
    else:  # settings that depend on each other: a clean refusal
        assert code == 2 and err.startswith("error: ") and out == "", err


WRONG_TYPE = {
    int: st.sampled_from(["3", 2.5, True, [1], {"a": 1}]),
    float: st.sampled_from(["0.1", True, [0.5], {"a": 1}]),
    bool: st.sampled_from([1, "true", 0.5, [True]]),
    str: st.sampled_from([5, 1.5, True, ["x"]]),
    list: st.sampled_from(["x", 3, {"a": 1}]),
}


def mistakes(model: type[BaseModel]) -> st.SearchStrategy[tuple[str, object]]:
    """(key, bad value): an unknown key, a wrong type or a number outside its bounds."""
    choices = [st.tuples(st.just("zz_not_a_setting"), st.just(1))]
    for name, info in model.model_fields.items():
        annotation, _ = unwrap(info.annotation)
        kind = typing.get_origin(annotation) or annotation
        if typing.get_origin(annotation) is typing.Literal:
            kind = type(typing.get_args(annotation)[0])
        if kind in WRONG_TYPE:
            choices.append(st.tuples(st.just(name), WRONG_TYPE[kind]))
        limits = bounds(info.metadata)
        if kind in (int, float):
            outside = []
            if "ge" in limits or "gt" in limits:
                edge = limits.get("ge", limits.get("gt"))
                outside.append(edge - 1 if "ge" in limits else edge)
            if "le" in limits or "lt" in limits:
                edge = limits.get("le", limits.get("lt"))
                outside.append(edge + 1 if "le" in limits else edge)
            if kind is float:
                outside += [math.nan, math.inf]
            if outside:
                choices.append(st.tuples(st.just(name), st.sampled_from(outside)))
    return st.one_of(choices)


@pytest.mark.parametrize("recipe", recipe_names())
@settings(max_examples=25, **SETTINGS)
@given(data=st.data())
def test_one_mistake_exits_2_naming_the_key(workdir, recipe, data):
    model = get_recipe(recipe).config_class
    key, bad = data.draw(mistakes(model))
    code, out, err = dry_run(workdir, recipe, {key: bad}, [key] if data.draw(st.booleans()) else [])
    assert code == 2, (key, bad, out, err)
    assert err.startswith("error: ") and "Traceback" not in err, err
    assert key in err and out == "", err


def test_every_recipe_is_fuzzed():
    assert len(recipe_names()) >= 12
