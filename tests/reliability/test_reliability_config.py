"""Bad configuration, property-based: 1,360 generated configurations through the CLI.

For `learnlab train` and each recipe of `learnlab run`, hypothesis generates configurations
split at random between a TOML file (`--config`), the command's flags and `--set key=value`
strings (some keys given twice: a decoy in the file that `--set` overrides), and runs
`learnlab.cli.main([... , "--dry-run"])` in-process:

- valid ones (320 in all) exit 0 and print the resolved configuration as JSON, equal to the
  defaults updated with exactly the values asked for;
- invalid ones (1,040 in all: unknown keys, wrong types, out-of-range and non-finite numbers,
  unknown names of data sets/models/optimizers/schedules, bad nested options, option tables of
  the wrong type, malformed `--set`, malformed TOML, settings that do not fit the data set)
  exit 2 with a one-paragraph message that names the key, and print no traceback and no JSON.

Any other exception escapes `main` and fails the test: that is a bug to fix, not to exclude.
"""

from __future__ import annotations

import io
import json
import math
import os
import string
import tempfile
import types
import typing
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path

import annotated_types
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnlab.cli import main
from learnlab.commands.dryrun import with_defaults
from learnlab.config import MAX_SIZE, TrainConfig
from learnlab.data import dataset_names
from learnlab.models import model_names
from learnlab.models.convnets import POOLS
from learnlab.models.mlp import NORMS
from learnlab.models.registry import ACTIVATIONS
from learnlab.recipes import get_recipe
from learnlab.train.init import INIT_NAMES
from learnlab.train.optimizers import OPTIMIZER_NAMES
from learnlab.train.schedules import SCHEDULE_NAMES

VALID_EXAMPLES = {"train": 120, "recipe": 50}  # 120 + 4 * 50 = 320
INVALID_EXAMPLES = {"train": 400, "recipe": 160}  # 400 + 4 * 160 = 1,040
RECIPES = ("quickstart", "mnist-speedrun", "learning-curve", "lenet5-mnist")
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def workdir():
    """A folder for the generated TOML files (module-scoped: hypothesis reruns the test body
    many times in one function call); LEARNLAB_RUNS points into it."""
    with tempfile.TemporaryDirectory() as folder:
        before = os.environ.get("LEARNLAB_RUNS")
        os.environ["LEARNLAB_RUNS"] = str(Path(folder) / "runs")
        yield Path(folder)
        if before is None:
            os.environ.pop("LEARNLAB_RUNS", None)
        else:
            os.environ["LEARNLAB_RUNS"] = before


# -- TOML encoding and the three ways of giving a value --------------------------------------


def toml_value(value) -> str:
    """`value` as a TOML value (inline tables for dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes are valid in a TOML basic string; TOML wants DEL escaped too
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


# text that survives TOML and the command line: no surrogates, no NUL
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
NAME = st.text(string.ascii_lowercase + string.digits + "_-", min_size=1, max_size=12)


@dataclass
class Invocation:
    toml: list[str] = field(default_factory=list)  # lines of the --config file
    argv: list[str] = field(default_factory=list)


@st.composite
def spread(draw, values: dict, flags: dict[str, str]) -> Invocation:
    """Give each of `values` through the TOML file, its flag or --set, at random."""
    inv = Invocation()
    for key, value in values.items():
        ways = ["toml", "set"] + (["flag"] if key in flags else [])
        way = draw(st.sampled_from(ways))
        if way == "toml":
            inv.toml.append(f"{key} = {toml_value(value)}")
            continue
        if draw(st.booleans()):  # a decoy in the file, overridden by the later source
            inv.toml.append(f'{key} = "decoy"')
        if way == "flag":
            inv.argv.append(f"{flags[key]}={value}")
        elif isinstance(value, dict) and value and draw(st.booleans()):
            inv.toml = [line for line in inv.toml if not line.startswith(f"{key} = ")]
            inv.argv += [f"--set={key}.{k}={toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, str) and value in NAMES_SAFE_BARE and draw(st.booleans()):
            inv.argv.append(f"--set={key}={value}")  # a bare word is taken as a string
        else:
            inv.argv.append(f"--set={key}={toml_value(value)}")
    return inv


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own errors
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def invoke(workdir: Path, command: list[str], inv: Invocation) -> tuple[int, str, str]:
    config = workdir / "config.toml"
    config.write_text("\n".join(inv.toml) + "\n", encoding="utf-8")
    return run_cli(command + ["--config", str(config), *inv.argv, "--dry-run"])


# -- valid values --------------------------------------------------------------------------

IMAGES_28 = ("mnist", "fashion-mnist")
IMAGES = (*IMAGES_28, "usps", "digits")
FRACTION = st.floats(0, 1, exclude_max=True)
POSITIVE = st.floats(1e-6, 1e6)
SIZE = st.integers(1, MAX_SIZE)
SEED = st.integers(0, 2**63 - 1)
NAMES_SAFE_BARE = {*IMAGES, "mnist1d", "mlp", "lenet5", "mnist-cnn", *OPTIMIZER_NAMES, "cpu"}


def optional(**fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional=fields)


MODEL_OPTIONS = {
    "mlp": optional(
        depth=st.integers(0, 3),
        width=st.integers(1, 64),
        activation=st.sampled_from(sorted(ACTIVATIONS)),
        norm=st.sampled_from(NORMS),
        dropout=FRACTION,
        bias=st.booleans(),
    ),
    "lenet5": optional(
        activation=st.sampled_from(sorted(ACTIVATIONS)), pool=st.sampled_from(["max", "avg"])
    ),
    "mnist-cnn": optional(dropout1=FRACTION, dropout2=FRACTION, width=st.integers(1, 64)),
}
MODELS_FOR = {"mlp": (*IMAGES, "mnist1d"), "lenet5": (*IMAGES_28, "usps"), "mnist-cnn": IMAGES}
BETAS = st.lists(FRACTION, min_size=2, max_size=2)
OPTIMIZER_OPTIONS = {
    "sgd": st.just({}),
    "momentum": optional(dampening=FRACTION),
    "nesterov": st.just({}),
    "adagrad": optional(eps=st.floats(1e-12, 1e-3), lr_decay=st.floats(0, 1)),
    "rmsprop": optional(alpha=FRACTION, eps=st.floats(1e-12, 1e-3), centered=st.booleans()),
    "adam": optional(betas=BETAS, eps=st.floats(1e-12, 1e-3), amsgrad=st.booleans()),
    "adamw": optional(betas=BETAS, eps=st.floats(1e-12, 1e-3), amsgrad=st.booleans()),
    "lbfgs": optional(history_size=st.integers(1, 20), max_iter=st.integers(1, 20)),
    # max_parameters always given: a valid Newton config's model fits its exact Hessian's limit
    "newton": optional(damping=st.floats(0, 10), max_tries=st.integers(1, 20)).map(
        lambda options: options | {"max_parameters": 10**9}
    ),
    "cg": optional(beta=st.sampled_from(["pr+", "fr"]), max_iter=st.integers(1, 20)),
    "newton-cg": optional(damping=st.floats(0, 10), cg_iters=st.integers(1, 50)),
}
SCHEDULE_OPTIONS = {
    "constant": st.just({}),
    "linear": optional(tau=st.integers(1, 10**6), final_fraction=st.floats(0, 1)),
    "step": optional(step_size=st.integers(1, 10**6), gamma=st.floats(0.01, 1)),
    "cosine": optional(min_fraction=st.floats(0, 1)),
}


@st.composite
def model_choice(draw, datasets=None) -> dict:
    model = draw(st.sampled_from(sorted(MODEL_OPTIONS)))
    dataset = draw(
        st.sampled_from([d for d in MODELS_FOR[model] if d in (datasets or IMAGES + ("mnist1d",))])
    )
    return {"dataset": dataset, "model": model, "model_options": draw(MODEL_OPTIONS[model])}


@st.composite
def train_values(draw) -> dict:
    """A random valid subset of TrainConfig's keys (never None: TOML has no null)."""
    values = draw(model_choice())
    optimizer = draw(st.sampled_from(OPTIMIZER_NAMES))
    schedule = draw(st.sampled_from(sorted(SCHEDULE_OPTIONS)))
    values |= {"optimizer": optimizer, "optimizer_options": draw(OPTIMIZER_OPTIONS[optimizer])}
    values |= {"schedule": schedule, "schedule_options": draw(SCHEDULE_OPTIONS[schedule])}
    val_fraction = draw(FRACTION)
    more = optional(
        lr=st.floats(0, 100, exclude_min=True),
        momentum=st.floats(0.01, 0.99) if optimizer == "nesterov" else FRACTION,
        weight_decay=st.just(0.0)
        if optimizer in ("lbfgs", "newton", "cg", "newton-cg")
        else st.floats(0, 100),
        init=st.sampled_from(INIT_NAMES),
        epochs=st.integers(1, 100_000),
        batch_size=SIZE,
        eval_batch_size=SIZE,
        seed=SEED,
        val_fraction=st.just(val_fraction),
        limit_train=SIZE,
        augment_translate=st.integers(0, 8 if values["dataset"] in IMAGES else 0),
        grad_clip=POSITIVE,
        early_stopping_patience=st.integers(1, 100) if val_fraction > 0 else st.nothing(),
        checkpoint_every_batches=SIZE,
        checkpoint_every_seconds=POSITIVE,
        device=st.sampled_from(["auto", "cpu", "cuda", "cuda:1"]),
        data_root=TEXT,
        download=st.booleans(),
        progress=st.booleans(),
        baselines=st.booleans(),
        nan_policy=st.sampled_from(
            typing.get_args(TrainConfig.model_fields["nan_policy"].annotation)
        ),
    )
    # leave some keys out (they keep their defaults) without breaking what they depend on:
    # every model fits the default data set; options need their own model/optimizer/schedule
    leave_out = draw(st.sampled_from([(), ("dataset",), ("dataset", "model", "model_options")]))
    for key in ("model_options", "optimizer_options", "schedule_options"):
        if key == "optimizer_options" and optimizer == "newton":
            continue  # without its max_parameters, Newton refuses the larger models (exit 2)
        if draw(st.booleans()):
            leave_out += (key,)
    return {k: v for k, v in values.items() if k not in leave_out} | draw(more)


@st.composite
def speedrun_values(draw) -> dict:
    # one-cycle needs >= 2 steps per phase: at least 40 batches per epoch, pct_start inside
    batch_size = draw(st.integers(1, 1000))
    stages = draw(st.integers(1, 2))
    return draw(
        optional(
            epochs=st.integers(1, 50),
            lr=st.floats(0, 1, exclude_min=True),
            betas=BETAS,
            pct_start=st.floats(0.05, 0.95),
            channels=st.lists(st.integers(1, 8), min_size=stages, max_size=stages),
            hidden=st.integers(0, 64),
            batch_norm=st.booleans(),
            augment_translate=st.integers(0, 8),
            seeds=st.lists(SEED, min_size=1, max_size=3, unique=True),
            target_accuracy=st.floats(0, 1, exclude_min=True),
            limit_train=st.integers(40 * batch_size, MAX_SIZE),
            data_root=TEXT,
            download=st.booleans(),
            progress=st.booleans(),
        )
    ) | {
        "batch_size": batch_size,
        "kernel_sizes": draw(st.lists(st.sampled_from([1, 3]), min_size=stages, max_size=stages)),
        "channels": draw(st.lists(st.integers(1, 8), min_size=stages, max_size=stages)),
    }


@st.composite
def learning_curve_values(draw) -> dict:
    values = draw(model_choice())
    max_epochs = draw(st.integers(1, 1000))
    return values | draw(
        optional(
            optimizer=st.sampled_from([n for n in OPTIMIZER_NAMES if n != "nesterov"]),
            lr=st.floats(0, 10, exclude_min=True),
            batch_size=SIZE,
            sizes=st.lists(SIZE, min_size=4, max_size=8, unique=True).map(sorted),
            smallest=SIZE,
            points=st.integers(4, 30),
            min_steps=SIZE,
            min_epochs=st.integers(1, max_epochs),
            max_epochs=st.just(max_epochs),
            target_error=st.floats(0, 1, exclude_min=True, exclude_max=True),
            val_fraction=st.floats(0, 1, exclude_min=True, exclude_max=True),
            seed=SEED,
            data_root=TEXT,
            download=st.booleans(),
            progress=st.booleans(),
        )
    )


COMMON_RECIPE = dict(batch_size=SIZE, seed=SEED, data_root=TEXT, download=st.booleans())
VALID = {
    "train": train_values(),
    "quickstart": optional(
        epochs=st.integers(1, 50), lr=st.floats(0, 100, exclude_min=True), **COMMON_RECIPE
    ),
    "mnist-speedrun": speedrun_values(),
    "learning-curve": learning_curve_values(),
    "lenet5-mnist": optional(
        epochs=st.integers(1, 100),
        lr=st.floats(0, 10, exclude_min=True),
        momentum=FRACTION,
        activation=st.sampled_from(["tanh", "relu"]),  # the paper's and its modern variant
        pool=st.sampled_from(["max", "avg"]),
        limit_train=SIZE,
        progress=st.booleans(),
        seeds=st.integers(1, 100),
        # it trains seeds seed, seed + 1, ... (up to 100 of them): the last must be a seed too
        **{**COMMON_RECIPE, "seed": st.integers(0, 2**63 - 101)},
    ),
}
TRAIN_FLAGS = {
    k: f"--{k.replace('_', '-')}"
    for k in ("dataset", "model", "optimizer", "lr", "epochs", "batch_size", "seed")
}


def command_of(target: str) -> tuple[list[str], type, dict[str, str]]:
    """(argv prefix, config class, flags) of `target`: "train" or a recipe name."""
    if target == "train":
        return ["train"], TrainConfig, TRAIN_FLAGS
    recipe = get_recipe(target)
    return (
        ["run", target],
        recipe.config_class,
        {"seed": "--seed"} if "seed" in recipe.config_class.model_fields else {},
    )


def check_valid(workdir: Path, target: str, values: dict, inv: Invocation) -> None:
    command, config_class, _ = command_of(target)
    code, out, err = invoke(workdir, command, inv)
    assert code == 0, (inv, err)
    expected = config_class().model_dump(mode="json") | json.loads(json.dumps(values))
    assert json.loads(out) == with_defaults(expected), inv  # options' defaults filled in
    assert "Traceback" not in err


@settings(max_examples=VALID_EXAMPLES["train"], **SETTINGS)
@given(data=st.data())
def test_120_valid_train_configs_are_accepted_as_given(workdir, data):
    values = data.draw(VALID["train"])
    check_valid(workdir, "train", values, data.draw(spread(values, TRAIN_FLAGS)))


@pytest.mark.parametrize("recipe", RECIPES)
@settings(max_examples=VALID_EXAMPLES["recipe"], **SETTINGS)
@given(data=st.data())
def test_50_valid_configs_per_recipe_are_accepted_as_given(workdir, recipe, data):
    values = data.draw(VALID[recipe])
    check_valid(workdir, recipe, values, data.draw(spread(values, command_of(recipe)[2])))


# -- invalid configurations: a valid one with one mistake -------------------------------------

WRONG_TYPE = {
    int: st.sampled_from(["3", 2.5, 3.0, True, [1], {"a": 1}]),
    float: st.sampled_from(["0.1", True, [0.5], {"a": 1}]),
    bool: st.sampled_from([1, 0, "true", 0.5, [True]]),
    str: st.sampled_from([5, 1.5, True, ["x"], {"a": "b"}]),
    dict: st.sampled_from([3, "x", [1], True]),
    list: st.sampled_from(["x", 3, {"a": 1}, ["a"], [1.5]]),
    tuple: st.sampled_from(["x", 3, [0.1], [0.1, 0.2, 0.3], {"a": 1}]),
}


def base_type(annotation) -> type:
    """int for `int | None`, list for `list[int]`..."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Literal:  # a choice of words, e.g. nan_policy
        return type(typing.get_args(annotation)[0])
    return typing.get_origin(annotation) or annotation


def out_of_range(annotation, metadata) -> st.SearchStrategy | None:
    """Values that break the field's declared bounds, or None when it has none."""
    kind = base_type(annotation)
    choices = []
    for bound in metadata:
        if kind is list and isinstance(bound, annotated_types.MinLen):
            choices.append(st.just([]))
        if kind not in (int, float):
            continue
        numbers = st.integers if kind is int else st.floats
        if isinstance(bound, annotated_types.Ge):
            choices.append(
                numbers(max_value=bound.ge - (1 if kind is int else 1e-9), min_value=-(2**63))
            )
        if isinstance(bound, annotated_types.Gt):
            choices.append(numbers(max_value=bound.gt, min_value=-(2**63)))
        if isinstance(bound, annotated_types.Le):
            choices.append(
                numbers(min_value=bound.le + (1 if kind is int else 1e-9), max_value=2**64)
            )
        if isinstance(bound, annotated_types.Lt):
            choices.append(numbers(min_value=bound.lt, max_value=2**64))
    if kind is float:
        choices.append(st.sampled_from([math.nan, math.inf, -math.inf]))
    return st.one_of(choices) if choices else None


NAME_KEYS = {
    "train": ("dataset", "model", "optimizer", "schedule", "init", "device", "nan_policy"),
    "learning-curve": ("dataset", "model", "optimizer"),
    "lenet5-mnist": ("activation", "pool"),
}
OPTION_TABLES = {
    "train": ("model_options", "optimizer_options", "schedule_options"),
    "learning-curve": ("model_options",),
}
KNOWN_NAMES = {
    *dataset_names(),
    *model_names(),
    *OPTIMIZER_NAMES,
    *SCHEDULE_NAMES,
    *INIT_NAMES,
    *ACTIVATIONS,
    *POOLS,
    "auto",
    "cpu",
}
OPTION_NAMES = {
    "model_options": {
        "mlp": ("depth", "width", "activation", "norm", "dropout", "bias"),
        "lenet5": ("activation", "pool"),
        "mnist-cnn": ("dropout1", "dropout2", "width"),
    },
    "optimizer_options": {
        "sgd": ("eps",),  # none: any name is unknown
        "nesterov": ("eps",),
        "momentum": ("dampening",),
        "adagrad": ("eps", "lr_decay", "initial_accumulator_value"),
        "rmsprop": ("alpha", "eps", "momentum", "centered"),
        "adam": ("betas", "eps", "amsgrad"),
        "adamw": ("betas", "eps", "amsgrad"),
        "lbfgs": ("max_iter", "history_size", "line_search_fn", "tolerance_grad"),
        "newton": ("damping", "max_tries", "max_parameters"),
        "cg": ("beta", "max_iter", "c2"),
        "newton-cg": ("damping", "cg_iters", "cg_tolerance"),
    },
    "schedule_options": {
        "constant": ("tau",),  # none
        "linear": ("tau", "final_fraction"),
        "step": ("step_size", "gamma"),
        "cosine": ("min_fraction",),
    },
}
TABLE_DEFAULTS = {
    "model_options": "lenet5",
    "optimizer_options": "adam",
    "schedule_options": "cosine",
}


def options_in_use(table: str, values: dict) -> tuple[str, ...]:
    """The option names of the model, optimizer or schedule that `values` choose."""
    key = table.removesuffix("_options")
    return OPTION_NAMES[table][values.get(key, TABLE_DEFAULTS[table])]


BAD_OPTION_VALUE = st.sampled_from(
    ["x", ["a", "b"], [0.1, 0.2, 0.3], [2.0, 0.5], -1, -0.5, 1e300, math.nan, math.inf, {"a": 1}]
)
MALFORMED_SET = st.sampled_from(["lr", "=3", "lr.=1", ".lr=1", "a..b=2", " =1", ""])
MALFORMED_TOML = st.sampled_from(["= 1", "x = ", "[unclosed", 'x = "open', "x = 1 2", "a = [1,"])


@st.composite
def mistake(
    draw, target: str, config_class, values: dict
) -> tuple[dict, list[str], list[str], str]:
    """(key -> bad value to add, extra argv, extra TOML lines, a word the message must hold)."""
    fields = config_class.model_fields
    kinds = ["unknown key", "wrong type", "out of range", "malformed --set", "malformed TOML"]
    kinds += ["unknown name"] if target in NAME_KEYS else []
    kinds += ["bad option"] if target in OPTION_TABLES else []
    kinds += ["does not fit the data"] if target == "train" else []
    kind = draw(st.sampled_from(kinds))
    if kind == "unknown key":
        key = draw(NAME.filter(lambda k: k not in fields))
        return {key: draw(st.sampled_from([1, "x", True]))}, [], [], key
    if kind == "wrong type":
        key = draw(st.sampled_from(sorted(fields)))
        return {key: draw(WRONG_TYPE[base_type(fields[key].annotation)])}, [], [], key
    if kind == "out of range":
        ranged = {k: out_of_range(f.annotation, f.metadata) for k, f in fields.items()}
        key = draw(st.sampled_from(sorted(k for k, s in ranged.items() if s is not None)))
        return {key: draw(ranged[key])}, [], [], key
    if kind == "malformed --set":
        return {}, [f"--set={draw(MALFORMED_SET)}"], [], "key=value"
    if kind == "malformed TOML":
        return {}, [], [draw(MALFORMED_TOML)], "not valid TOML"
    if kind == "unknown name":
        key = draw(st.sampled_from(NAME_KEYS[target]))
        name = draw(NAME.filter(lambda n: n not in KNOWN_NAMES and not n.startswith("cuda")))
        return {key: name}, [], [], key
    if kind == "bad option":
        table = draw(st.sampled_from(OPTION_TABLES[target]))
        how = draw(st.sampled_from(["unknown", "bad value", "not a table", "through a value"]))
        if how == "bad value":  # an option of the model/optimizer/schedule in use
            option = draw(st.sampled_from(options_in_use(table, values)))
            value = draw(BAD_OPTION_VALUE)
            return {}, [f"--set={table}.{option}={toml_value(value)}"], [], option
        if how == "not a table":
            return {table: draw(WRONG_TYPE[dict])}, [], [], table
        if how == "through a value":
            return {}, [f"--set={table}.x=1", f"--set={table}.x.y=2"], [], "'x' holds a value"
        option = draw(NAME.filter(lambda n: n not in ("x",)).map(lambda n: "zz" + n))
        return {}, [f"--set={table}.{option}=1"], [], option
    dataset, key = draw(
        st.sampled_from([("mnist1d", "augment_translate"), ("mnist", "early_stopping_patience")])
    )
    if key == "augment_translate":
        return {"dataset": dataset, "model": "mlp", "model_options": {}, key: 2}, [], [], key
    return {key: 3, "val_fraction": 0.0}, [], [], key


def check_rejected(workdir: Path, target: str, data) -> None:
    command, config_class, flags = command_of(target)
    values = data.draw(VALID[target])
    bad, argv, toml, word = data.draw(mistake(target, config_class, values))
    inv = data.draw(spread({k: v for k, v in values.items() if k not in bad}, flags))
    inv = Invocation(
        inv.toml + [f"{k} = {toml_value(v)}" for k, v in bad.items()] + toml, inv.argv + argv
    )
    if data.draw(st.booleans()):  # the same mistake through --set instead of the file
        moved = [line for line in inv.toml[len(inv.toml) - len(bad) - len(toml) :][: len(bad)]]
        inv.toml = [line for line in inv.toml if line not in moved]
        inv.argv += [f"--set={line.replace(' = ', '=', 1)}" for line in moved]
    code, out, err = invoke(workdir, command, inv)
    assert code == 2, (inv, out, err)
    assert err.startswith("error: ") and "Traceback" not in err, err
    assert word in err, (word, err)
    assert out == "", out  # no JSON: nothing was accepted


@settings(max_examples=INVALID_EXAMPLES["train"], **SETTINGS)
@given(data=st.data())
def test_400_invalid_train_configs_exit_2_naming_the_key(workdir, data):
    check_rejected(workdir, "train", data)


@pytest.mark.parametrize("recipe", RECIPES)
@settings(max_examples=INVALID_EXAMPLES["recipe"], **SETTINGS)
@given(data=st.data())
def test_160_invalid_configs_per_recipe_exit_2_naming_the_key(workdir, recipe, data):
    check_rejected(workdir, recipe, data)


@pytest.mark.parametrize(
    "assignment",
    [
        'optimizer_options.betas=["a","b"]',  # was a ValueError from float("a")
        'optimizer_options.eps="x"',
        "learning_rate=0.1",
        "epochs=true",  # was accepted as 1 before the config models became strict
        'lr="0.1"',  # was accepted as 0.1
        "weight_decay=inf",  # was accepted
        "batch_size=4294967296",  # was accepted, beyond what torch indexes
        'optimizer=momentum --set=optimizer_options.dampening="x"',  # failed at the first step
        "optimizer=rmsprop --set=optimizer_options.centered=1",
        "self=1",  # was a TypeError: the key collided with __init__'s own argument
    ],
)
def test_mistakes_the_generators_found_stay_fixed(workdir, assignment):
    code, out, err = run_cli(["train", "--dry-run", *f"--set={assignment}".split(" ")])
    assert code == 2 and err.startswith("error: ") and out == "", err
    assert assignment.split(" ")[-1].split("=")[-2].split(".")[-1] in err, err


def test_a_derived_run_config_error_is_a_config_error(workdir):
    """Recipes build TrainConfigs directly; a bad value there is a ConfigError too."""
    code, _, err = run_cli(["run", "learning-curve", "--dry-run", "--set=dataset=cifar10"])
    assert code == 2 and "unknown dataset 'cifar10'" in err, err
