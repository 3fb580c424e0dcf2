"""The model registry: a name maps to a factory that builds an `nn.Module`.

The pattern is timm's (Wightman, 2019, pytorch-image-models): each model family registers its
factories with a decorator, and contract tests run over every registered name.

A factory has the signature `factory(input_shape, num_outputs, **options) -> nn.Module`, where
`input_shape` is the shape of one example (images: `(C, H, W)`) and every option has a default.
`build_model` checks the options against the factory's signature before calling it (so a typo
in an option name is reported, not silently ignored); the factory checks the option values with
the `check_*` helpers below and raises `ConfigError` for a bad one.

Besides registered names, `build_model` accepts `"path/to/file.py:function"`, a factory in the
user's own file (see `learnlab.models.user_factory`).

Example:
    >>> import torch
    >>> from learnlab.models import build_model
    >>> model = build_model("mlp", (1, 28, 28), 10, depth=1, width=32)
    >>> model(torch.zeros(3, 1, 28, 28)).shape
    torch.Size([3, 10])
"""

from __future__ import annotations

import importlib
import inspect
import numbers
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from torch import nn

from learnlab.io.errors import ConfigError, unknown_name
from learnlab.models.factories import RESERVED, call_factory

# Modules whose import registers the built-in models. They are imported on first use, so that
# they can import `register_model` from here without a circular import.
BUILTIN_FAMILIES = (
    "learnlab.models.mlp",
    "learnlab.models.convnets",
    "learnlab.models.speedrun",
    "learnlab.models.recurrent",
    "learnlab.models.transformer",
    "learnlab.models.resnet",
    "learnlab.models.mixer",
    "learnlab.models.autoencoders",
    "learnlab.models.vae",
    "learnlab.models.graph",
    "learnlab.models.siamese",
    "learnlab.models.bilinear",
    "learnlab.models.mixture_of_experts",
    "learnlab.models.skip_gram",
    "learnlab.models.conv4",
    "learnlab.models.value_iteration",
    "learnlab.models.grid_cnn",
)

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
USER_FORM = "'path/to/file.py:factory' (a function in your own file that returns an nn.Module)"


@dataclass(frozen=True)
class _Entry:
    name: str
    description: str
    factory: Callable[..., nn.Module]


_REGISTRY: dict[str, _Entry] = {}
_builtins_loaded = False


def register_model(name: str, description: str) -> Callable:
    """Decorator: register `factory(input_shape, num_outputs, **options)` under `name`.

    Names are lowercase (letters, digits, `-`, `_`, `.`); every option needs a default, so that
    `build_model(name, input_shape, num_outputs)` always works. Mistakes here are programming
    errors of the family module, hence `ValueError`/`TypeError` rather than `ConfigError`.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"model name {name!r} must be lowercase letters, digits, '-', '_', '.'")

    def decorator(factory: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is already registered")
        params = inspect.signature(factory).parameters
        missing = [p for p in RESERVED if p not in params]
        if missing:
            raise TypeError(f"factory of {name!r} must take {', '.join(missing)}")
        for p in params.values():
            no_default = p.default is inspect.Parameter.empty
            if p.name not in RESERVED and p.kind is not p.VAR_KEYWORD and no_default:
                raise TypeError(f"option {p.name!r} of model {name!r} needs a default value")
        _REGISTRY[name] = _Entry(name, description, factory)
        return factory

    return decorator


def _load_builtins() -> None:
    global _builtins_loaded
    if not _builtins_loaded:
        for module in BUILTIN_FAMILIES:
            importlib.import_module(module)
        _builtins_loaded = True


def model_names() -> list[str]:
    """The registered model names, sorted."""
    _load_builtins()
    return sorted(_REGISTRY)


def model_description(name: str) -> str:
    """The one-line description a model was registered with."""
    return _entry(name).description


def model_factory(name: str) -> Callable[..., nn.Module]:
    """The factory registered as `name` (its signature lists the model's options)."""
    return _entry(name).factory


def _entry(name: str) -> _Entry:
    _load_builtins()
    if name in _REGISTRY:
        return _REGISTRY[name]
    hint = f" Or give {USER_FORM}."
    if name.endswith(".py"):
        hint = f" To use a factory in {name}, name the function too: '{name}:factory'."
    raise unknown_name("model", name, sorted(_REGISTRY), hint)


def build_model(
    name: str, input_shape: tuple[int, ...], num_outputs: int, **options: Any
) -> nn.Module:
    """Build model `name` for examples of shape `input_shape` with `num_outputs` outputs.

    `name` is a registered name (see `model_names()`) or `"path/to/file.py:factory"`.
    Raises `ConfigError` for an unknown name, an unknown option or a bad option value.
    """
    input_shape = check_shape("input_shape", input_shape)
    num_outputs = check_int("num_outputs", num_outputs, minimum=1)
    _load_builtins()
    if name not in _REGISTRY and ":" in name:
        from learnlab.models.user_factory import build_user_model

        return build_user_model(name, input_shape, num_outputs, options)
    entry = _entry(name)
    return call_factory(f"model {name!r}", entry.factory, input_shape, num_outputs, options)


# --- Checks of option values, shared by the factories -----------------------------------------


def check_int(option: str, value: Any, minimum: int) -> int:
    """`value` as an int >= `minimum` (bools and floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ConfigError(f"option {option!r} must be an integer >= {minimum}; got {value!r}.")
    return int(value)


def check_fraction(option: str, value: Any) -> float:
    """`value` as a float in [0, 1), such as a dropout probability."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ConfigError(f"option {option!r} must be a number in [0, 1); got {value!r}.")
    return float(value)


def check_bool(option: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"option {option!r} must be true or false; got {value!r}.")
    return value


def check_choice(option: str, value: Any, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ConfigError(
            f"option {option!r} must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
    return value


def check_shape(option: str, value: Any) -> tuple[int, ...]:
    """A non-empty shape of positive integers, as a tuple."""
    try:
        shape = tuple(value)
    except TypeError:
        shape = ()
    if not shape or any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in shape):
        raise ConfigError(f"{option} must be a non-empty tuple of integers; got {value!r}.")
    if any(d < 1 for d in shape):
        raise ConfigError(f"{option} must hold positive sizes; got {value!r}.")
    return tuple(int(d) for d in shape)


# Activations by name; each call builds a fresh module. A factory's `activation` option is
# annotated `Activation`, so that `learnlab describe` lists the names.
Activation = Literal["relu", "tanh", "sigmoid", "gelu", "leaky_relu", "identity"]
ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}


def make_activation(name: Any, option: str = "activation") -> nn.Module:
    """A fresh activation module for `name` (one of `ACTIVATIONS`)."""
    return ACTIVATIONS[check_choice(option, name, list(ACTIVATIONS))]()
