"""Calling a model factory: `build_model` and the user's own factories (`user_factory`) both
call a factory through `call_factory`, which passes the arguments learnlab fills itself,
rejects unknown options with a suggestion, and checks that an `nn.Module` came back. It lives
apart from the registry so that `user_factory` (loaded lazily by the registry) needs nothing
from the registry.

The contract (the README's "Your own model" and `learnlab train --help` repeat it):

- the shape of one example, a tuple (images: `(channels, height, width)`), is passed under
  the first name of `INPUT_SHAPE_NAMES` that the factory takes: `input_shape`, `in_shape`,
  `shape`, `image_shape`;
- the number of outputs (classes, or the vocabulary's size) under the first of
  `NUM_OUTPUTS_NAMES`: `num_outputs`, `num_classes`, `n_classes`, `classes`, `num_labels`,
  `n_outputs`, `out_features`, `output_size`, `output_dim`;
- every other argument is an option, given by the user (`--set model_options.NAME=VALUE`,
  `build_model(..., NAME=VALUE)`) or left at its default.

A factory with `**kwargs` receives `input_shape` and `num_outputs` through it. Names for one
size of the input (`SIZE_NAMES`: `in_features`, `input_size`, `input_dim`, `in_channels`...)
are never filled: whether such a number is the flat size (784 for MNIST) or the features of
one step (28 for an image read by rows, as `nn.RNN(input_size)` means it) depends on the
model, and a wrong guess would build a model that fails later or silently differs. A factory
that needs one takes `input_shape` and computes it (`math.prod(input_shape)`), or the user
gives it as an option; the error for a missing one says so, with both numbers.
"""

from __future__ import annotations

import difflib
import inspect
import math
from collections.abc import Callable
from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError

# The names learnlab passes itself, in the order they are looked for; none is an option.
INPUT_SHAPE_NAMES = ("input_shape", "in_shape", "shape", "image_shape")
NUM_OUTPUTS_NAMES = (
    "num_outputs",
    "num_classes",
    "n_classes",
    "classes",
    "num_labels",
    "n_outputs",
    "out_features",
    "output_size",
    "output_dim",
)
# One size of the input: ambiguous (flat size or features per step), so never filled.
SIZE_NAMES = (
    "in_features",
    "input_size",
    "input_dim",
    "in_dim",
    "n_features",
    "num_features",
    "in_channels",
)
# What a registered factory must take (`register_model` checks it).
RESERVED = ("input_shape", "num_outputs")
_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def filled_arguments(signature: inspect.Signature) -> dict[str, str]:
    """{"input_shape": name, "num_outputs": name}: the parameter that receives each, for the
    roles the factory takes (a factory with **kwargs receives both under their own names)."""
    params = signature.parameters
    named = {p.name for p in params.values() if p.kind in _KEYWORD_KINDS}
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    filled = {}
    for role, names in (("input_shape", INPUT_SHAPE_NAMES), ("num_outputs", NUM_OUTPUTS_NAMES)):
        found = next((n for n in names if n in named), role if takes_any else None)
        if found is not None:
            filled[role] = found
    return filled


def option_parameters(factory: Callable[..., Any]) -> list[inspect.Parameter]:
    """The factory's options: its keyword parameters that learnlab does not fill, in order."""
    signature = inspect.signature(factory)
    filled = set(filled_arguments(signature).values())
    return [
        p
        for p in signature.parameters.values()
        if p.kind in _KEYWORD_KINDS and p.name not in filled
    ]


def _contract(input_shape: tuple[int, ...], num_outputs: int) -> str:
    return (
        f"learnlab passes the shape of one example, {input_shape}, as input_shape (or "
        f"{', '.join(INPUT_SHAPE_NAMES[1:])}) and the number of outputs, {num_outputs}, as "
        f"num_outputs (or {', '.join(NUM_OUTPUTS_NAMES[1:])}); every other argument is an option."
    )


def _missing_message(
    label: str,
    factory: Callable[..., Any],
    missing: list[str],
    input_shape: tuple[int, ...],
    num_outputs: int,
) -> str:
    """Why the factory cannot be called: the signature found, the one expected, what to do."""
    name = getattr(factory, "__name__", "factory")
    found = f"{name}{inspect.signature(factory)}"
    needs = ", ".join(missing)
    lines = [
        f"{label} cannot be called: {found} has no value for {needs} (no default, and not "
        "given as an option).",
        f"Expected: {name}(input_shape, num_outputs, **options), each option with a default or "
        "given by you.",
        f"Give {needs} with "
        + " ".join(f"--set model_options.{m}=VALUE" for m in missing)
        + f" (in Python: build_model(..., {missing[0]}=VALUE)), or a default in the signature.",
    ]
    sizes = [m for m in missing if m in SIZE_NAMES]
    if sizes:
        steps = input_shape[-1] if len(input_shape) > 1 else input_shape[0]
        lines.append(
            f"learnlab does not fill {', '.join(sizes)}: it could mean the flat size of an "
            f"example, {math.prod(input_shape)}, or the features of one step, {steps}. Take "
            "input_shape instead and compute it (math.prod(input_shape) for an MLP), or give it "
            "as an option."
        )
    lines.append(_contract(input_shape, num_outputs))
    return "\n".join(lines)


def call_factory(
    label: str,
    factory: Callable[..., Any],
    input_shape: tuple[int, ...],
    num_outputs: int,
    options: dict[str, Any],
) -> nn.Module:
    """Call `factory` with the arguments learnlab fills (see the module docstring) plus
    `options`; check the result.

    `label` names the model in error messages (e.g. "model 'mlp'").
    """
    signature = inspect.signature(factory)
    params = signature.parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    filled = filled_arguments(signature)
    allowed = sorted(p.name for p in option_parameters(factory))
    for option in options:
        if option in filled.values():
            raise ConfigError(
                f"{label}: {option!r} is not an option: learnlab fills it itself. "
                + _contract(input_shape, num_outputs)
            )
        if option not in allowed and not takes_any:
            hint = difflib.get_close_matches(option, allowed, n=1)
            maybe = f" Did you mean {hint[0]!r}?" if hint else ""
            choices = ", ".join(allowed) if allowed else "none"
            raise ConfigError(
                f"{label} has no option {option!r}.{maybe} Its options are: {choices}."
            )
    values = {"input_shape": input_shape, "num_outputs": num_outputs}
    kwargs: dict[str, Any] = {name: values[role] for role, name in filled.items()}
    kwargs.update(options)
    missing = [
        p.name
        for p in params.values()
        if p.kind in _KEYWORD_KINDS and p.default is p.empty and p.name not in kwargs
    ]
    if missing:
        raise ConfigError(_missing_message(label, factory, missing, input_shape, num_outputs))
    try:
        signature.bind(**kwargs)
    except TypeError as exc:  # positional-only parameters, and the like
        name = getattr(factory, "__name__", "factory")
        raise ConfigError(
            f"{label} cannot be called as {name}(**{sorted(kwargs)}): {exc}. Found "
            f"{name}{signature}; learnlab calls a factory with keyword arguments only. "
            + _contract(input_shape, num_outputs)
        ) from exc
    try:
        model = factory(**kwargs)
    except ConfigError as exc:
        raise ConfigError(f"{label}: {exc}") from exc
    if not isinstance(model, nn.Module):
        raise ConfigError(
            f"{label} returned a value of type {type(model).__name__}, not a torch.nn.Module. "
            "A model factory must return the model itself."
        )
    return model
