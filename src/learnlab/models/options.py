"""A model's options as data: name, type, default and allowed values, read from its factory's
signature (`learnlab.models.factories.option_parameters`); an option annotated
`Literal[...]` (`Activation`, `Norm`...) lists its allowed values. `learnlab describe` shows
them and `--dry-run` fills the defaults into `model_options`.

Example:
    >>> [(o.name, o.default) for o in model_options("lenet5")]
    [('activation', 'relu'), ('pool', 'max')]
    >>> model_options("lenet5")[1].choices
    ('max', 'avg')
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from learnlab.models.factories import option_parameters


@dataclass(frozen=True)
class ModelOption:
    name: str
    type: str  # the annotation as written ("int", "Sequence[int]"), "str" for a Literal
    default: Any  # `REQUIRED` when the factory gives none
    choices: tuple = ()  # the allowed values, when the annotation is a Literal

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _annotation(annotation: Any, default: Any) -> tuple[str, tuple]:
    """(type text, allowed values) of one parameter's annotation."""
    if annotation is inspect.Parameter.empty:
        return (type(default).__name__ if default not in (None, REQUIRED) else "any"), ()
    if isinstance(annotation, str):  # not resolvable in its module: shown as written
        return annotation, ()
    if typing.get_origin(annotation) is typing.Literal:
        choices = typing.get_args(annotation)
        return type(choices[0]).__name__, choices
    if isinstance(annotation, type):
        return annotation.__name__, ()
    return str(annotation).replace("typing.", "").replace("collections.abc.", ""), ()


def factory_options(factory: Callable[..., Any]) -> list[ModelOption]:
    """The options of a model factory, in the order of its signature."""
    try:  # annotations are strings under PEP 563: resolved in the factory's module
        hints = typing.get_type_hints(factory)
    except Exception:  # a name only a type checker sees: shown as written
        hints = {}
    options = []
    for parameter in option_parameters(factory):
        default = REQUIRED if parameter.default is parameter.empty else parameter.default
        annotation = hints.get(parameter.name, parameter.annotation)
        kind, choices = _annotation(annotation, default)
        options.append(ModelOption(parameter.name, kind, default, choices))
    return options


def _factory(name: str) -> Callable[..., Any]:
    from learnlab.models.registry import model_factory, model_names

    if name not in model_names() and ":" in name:
        from learnlab.models.user_factory import load_user_factory

        return load_user_factory(name)
    return model_factory(name)


def model_options(name: str) -> list[ModelOption]:
    """The options of model `name` (registered, or "path/to/file.py:factory")."""
    return factory_options(_factory(name))


def json_value(value: Any) -> Any:
    """A default as JSON and TOML write it (tuples become lists)."""
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    return value


def model_option_defaults(name: str) -> dict[str, Any]:
    """{option: default} for every option of model `name` that has a default other than
    None (None cannot be written in TOML; the factory fills it itself)."""
    return {
        o.name: json_value(o.default)
        for o in model_options(name)
        if not o.required and o.default is not None
    }
