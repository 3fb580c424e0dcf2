"""What `learnlab describe NAME` says about a model, recipe, data set, optimizer, schedule or
initialisation, as data (`Description`): a summary, the paper, facts (what a model takes and
the data sets it fits...), the options with their types, defaults and allowed values, read from
where they are defined (a model factory's signature, a recipe's pydantic config, torch's
optimizer signatures, the schedule's defaults table), and example commands that run as printed
(tests/cli/test_cli_describe.py runs each with --dry-run).
"""

from __future__ import annotations

import re
import shlex
import sys
import typing
from dataclasses import asdict, dataclass, field
from typing import Any

from learnlab.formatting import flatten

KINDS = ("model", "recipe", "dataset", "optimizer", "schedule", "init")
# the data sets an example command prefers: built in (no files), then small
PREFERRED_DATASETS = ("digits", "mnist1d", "mnist", "usps", "fashion-mnist")


@dataclass
class Option:
    name: str
    type: str
    default: Any  # JSON data; None with `required`
    choices: list = field(default_factory=list)
    required: bool = False


@dataclass
class Description:
    kind: str
    name: str
    summary: str
    paper: str = ""
    facts: list[tuple[str, str]] = field(default_factory=list)
    options_how: str = ""  # how to set an option
    options: list[Option] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["facts"] = dict(self.facts)
        return data


def names_of(kind: str) -> list[str]:
    """Every registered name of one kind."""
    if kind == "model":
        from learnlab.models import model_names

        return model_names()
    if kind == "recipe":
        from learnlab.recipes import recipe_names

        return recipe_names()
    if kind == "dataset":
        from learnlab.data import dataset_names

        return dataset_names()
    if kind == "optimizer":
        from learnlab.train.optimizers import OPTIMIZER_NAMES

        return list(OPTIMIZER_NAMES)
    if kind == "schedule":
        from learnlab.train.schedules import SCHEDULE_NAMES

        return list(SCHEDULE_NAMES)
    from learnlab.train.init import INIT_NAMES

    return list(INIT_NAMES)


def _json(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def paper_of(module_name: str) -> str:
    """The paragraph of a module's docstring that cites its paper (the project's modules open
    with it), shortened to a few sentences."""
    doc = sys.modules[module_name].__doc__ or ""
    paragraphs = [" ".join(p.split()) for p in doc.split("\n\n")]
    cited = [p for p in paragraphs[:3] if re.search(r"\b(19|20)\d\d\b", p)]
    text = cited[0] if cited else (paragraphs[0] if paragraphs else "")
    if len(text) > 420 or not text.endswith((".", ")")):  # whole sentences only
        cut = text.rfind(". ", 0, 420)
        text = text[: cut + 1] if cut > 0 else text[:417] + "..."
    return text


def _set(key: str, value: Any) -> str:
    """`--set key=value` as a shell word, the value written as TOML."""
    return f"--set {shlex.quote(f'{key}={_toml(value)}')}"


def _toml(value: Any, *, in_array: bool = False) -> str:
    """A value as TOML writes it, without spaces (one shell word). A bare word is taken as a
    string only as the whole value of `--set`, never inside an array."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_toml(v, in_array=True) for v in value) + "]"
    if isinstance(value, str):
        bare = not in_array and re.fullmatch(r"[A-Za-z_][\w.-]*", value)
        return value if bare else f'"{value}"'
    return repr(value)


def _model(name: str) -> Description:
    from learnlab.models.inputs import MODEL_INPUTS, datasets_fitting, what_it_takes
    from learnlab.models.options import model_options

    options = [
        Option(
            o.name,
            o.type.replace("Sequence[", "list["),  # TOML and JSON give lists
            None if o.required else _json(o.default),
            list(o.choices),
            o.required,
        )
        for o in model_options(name)
    ]
    if ":" in name:  # the user's own file
        from learnlab.models.factories import INPUT_SHAPE_NAMES, NUM_OUTPUTS_NAMES

        facts = [
            (
                "called with",
                f"the example's shape as {' / '.join(INPUT_SHAPE_NAMES)}, the "
                f"number of outputs as {' / '.join(NUM_OUTPUTS_NAMES)}, and the options",
            ),
        ]
        example = f"learnlab train --dataset digits --model {name} --epochs 1"
        return Description(
            "model",
            name,
            "a model factory in your own file",
            "",
            facts,
            "--set model_options.NAME=VALUE",
            options,
            [example],
        )
    from learnlab.models import model_description
    from learnlab.models.registry import model_factory

    stated = MODEL_INPUTS.get(name)
    facts = [("takes", what_it_takes(name) if stated else "not stated")]
    fitting = datasets_fitting(name) if stated else []
    if fitting:
        facts.append(("data sets it fits", ", ".join(fitting)))
        dataset = next((d for d in PREFERRED_DATASETS if d in fitting), fitting[0])
        example = f"learnlab train --dataset {dataset} --model {name} --epochs 1"
        given = [o for o in options if not o.required]
        if given:
            example += " " + _set(f"model_options.{given[0].name}", given[0].default)
        examples = [example]
    else:
        examples = [f"learnlab run {stated.recipe}"] if stated and stated.recipe else []
    return Description(
        "model",
        name,
        model_description(name),
        paper_of(model_factory(name).__module__),
        facts,
        "--set model_options.NAME=VALUE",
        options,
        examples,
    )


def _field_type(annotation: Any) -> tuple[str, list]:
    if typing.get_origin(annotation) is typing.Literal:
        choices = list(typing.get_args(annotation))
        return type(choices[0]).__name__, choices
    if isinstance(annotation, type):
        return annotation.__name__, []
    return str(annotation).replace("typing.", ""), []


def _bounds(metadata: list) -> str:
    words = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    found = [
        f"{sign} {getattr(m, attr)}"
        for m in metadata
        for attr, sign in words.items()
        if hasattr(m, attr) and getattr(m, attr) < 2**62
    ]
    return f" ({', '.join(found)})" if found else ""


def config_options(config_class: type) -> list[Option]:
    """The keys of a pydantic config class with their effective defaults (a recipe's
    `OneRunConfig` fills its own before validation, so they come from a default instance)."""
    defaults = config_class().model_dump(mode="json")
    options = []
    for key, info in config_class.model_fields.items():
        kind, choices = _field_type(info.annotation)
        options.append(Option(key, kind + _bounds(info.metadata), defaults[key], choices))
    return options


def _recipe(name: str) -> Description:
    from learnlab.recipes import get_recipe

    recipe = get_recipe(name)
    paper = paper_of(recipe.run.__module__)
    facts = []
    if recipe.reproduction is not None:
        paper = recipe.reproduction.paper.citation()
        facts.append(("reproduces", f"{recipe.reproduction.setup}"))
    quick = " ".join(_set(k, v) for k, v in flatten(recipe.quick).items())
    examples = [f"learnlab run {name}"]
    if quick:
        examples.append(f"learnlab run {name} {quick}   # a run of seconds")
    if recipe.reproduction is not None:
        examples.append(f"learnlab reproduce {name} --quick")
    return Description(
        "recipe",
        name,
        recipe.description,
        paper,
        facts,
        "--set KEY=VALUE, or a TOML file with --config",
        config_options(recipe.config_class),
        examples,
    )


def _dataset(name: str) -> Description:
    from learnlab.data import get_dataset_spec
    from learnlab.models.inputs import EXAMPLE_KINDS, MODEL_INPUTS, example_kind, models_fitting

    spec = get_dataset_spec(name)
    facts = []
    examples = []
    if spec.input_shape is not None:
        kind = example_kind(spec.input_shape)
        facts.append(("its examples", f"{EXAMPLE_KINDS.get(kind, kind)}, shape {spec.input_shape}"))
        facts.append(("outputs", f"{spec.num_outputs} (classes, or the vocabulary's size)"))
        facts.append(("training examples", f"{spec.train_examples:,}"))
        fitting = models_fitting(spec.input_shape)
        others = [
            f"{m} (learnlab run {s.recipe})"
            for m, s in MODEL_INPUTS.items()
            if s.other_kind == kind
        ]
        facts.append(("models that fit", ", ".join(fitting) or "none in `learnlab train`"))
        if others:
            facts.append((f"models that take {kind}", ", ".join(others)))
        if fitting:
            model = "mlp" if "mlp" in fitting else fitting[0]
            examples.append(f"learnlab train --dataset {spec.name} --model {model} --epochs 1")
        examples += [
            f"learnlab run {s.recipe}" for s in MODEL_INPUTS.values() if s.other_kind == kind
        ][:1]
    files = ", ".join(f.path for f in spec.files) or "none (built in)"
    facts.append(("files", files))
    return Description(
        "dataset", spec.name, spec.description, spec.citation, facts, "", [], examples
    )


def _optimizer(name: str) -> Description:
    from learnlab.train.optimizers import (
        optimizer_description,
        optimizer_option_defaults,
        optimizer_option_kind,
    )

    defaults = optimizer_option_defaults(name)
    options = [Option(k, optimizer_option_kind(k), _json(v)) for k, v in defaults.items()]
    momentum = " and --set momentum=..." if name in ("momentum", "nesterov") else ""
    facts = [("always", f"--lr, --set weight_decay=...{momentum}")]
    example = f"learnlab train --dataset digits --model mlp --optimizer {name} --epochs 1"
    if name in ("newton", "cg", "newton-cg"):  # steps scaled by lr: 1 is the full step
        example += " --lr 1 --batch-size 1437 --set schedule=constant"
    if name == "newton":  # an exact Hessian: logistic regression (650 parameters), not the MLP
        example += " --set model_options.depth=0"
    given = [(k, v) for k, v in defaults.items() if v is not None]
    if given:
        example += " " + _set(f"optimizer_options.{given[0][0]}", _json(given[0][1]))
    return Description(
        "optimizer",
        name,
        optimizer_description(name),
        "",
        facts,
        "--set optimizer_options.NAME=VALUE",
        options,
        [example],
    )


def _schedule(name: str) -> Description:
    from learnlab.train.schedules import (
        schedule_computed_defaults,
        schedule_description,
        schedule_option_defaults,
    )

    computed = schedule_computed_defaults(name)
    options = [
        Option(k, "computed" if k in computed else type(v).__name__, v)
        for k, v in schedule_option_defaults(name).items()
    ]
    example = f"learnlab train --dataset digits --model mlp --epochs 1 --set schedule={name}"
    return Description(
        "schedule",
        name,
        schedule_description(name),
        "",
        [("stepped", "once per optimizer step (per batch)")],
        "--set schedule_options.NAME=VALUE",
        options,
        [example],
    )


def _init(name: str) -> Description:
    from learnlab.train.init import init_description

    example = f"learnlab train --dataset digits --model mlp --epochs 1 --set init={name}"
    return Description("init", name, init_description(name), "", [], "", [], [example])


def describe(kind: str, name: str) -> Description:
    """The description of the entry `name` of registry `kind` (one of KINDS)."""
    builders = {
        "model": _model,
        "recipe": _recipe,
        "dataset": _dataset,
        "optimizer": _optimizer,
        "schedule": _schedule,
        "init": _init,
    }
    return builders[kind](name)
