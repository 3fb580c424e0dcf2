"""Models given to the Python API as objects: an `nn.Module` instance, or a factory (a class or
function that returns one), as `run_training(config, model=...)` accepts them.

Such a model has no registry name a run could be rebuilt from, so a run records it as
`python:<module>.<qualified name>` (of the instance's class, or of the factory) in config.json,
summary.json, the run index and the model file's header. The name says what was trained; it
cannot rebuild it: `load_model(run, model=...)` loads the weights into a model the caller
builds the same way, and such a run is resumed from Python, never from the command line.

Example:
    >>> given_model_name(torch.nn.Linear(3, 2))  # doctest: +SKIP
    'python:torch.nn.modules.linear.Linear'
"""

from __future__ import annotations

from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError

PREFIX = "python:"


def given_model_name(model: Any) -> str:
    """`python:<module>.<qualname>` of an instance's class, or of a class or function."""
    if isinstance(model, nn.Module):
        model = type(model)
    target = getattr(model, "func", model)  # functools.partial: the function it wraps
    if not callable(target):
        raise ConfigError(
            f"model must be an nn.Module, or a class or function that returns one, not a "
            f"{type(model).__name__}."
        )
    if not isinstance(target, type) and not hasattr(target, "__qualname__"):
        target = type(target)  # a callable object: name its class
    module = getattr(target, "__module__", None) or "unknown"
    return f"{PREFIX}{module}.{target.__qualname__}"


def is_given_model_name(name: str) -> bool:
    return name.startswith(PREFIX)


def run_label(name: str) -> str:
    """The model's part of a run directory's name: `Net` for `python:__main__.Net`."""
    return name[len(PREFIX) :].rsplit(".", 1)[-1].replace("<", "").replace(">", "")


def cannot_rebuild(where: str, name: str) -> str:
    """Why a run of a given model cannot be rebuilt from its files alone, and what to do."""
    shown = name[len(PREFIX) :]
    return (
        f"{where} trained a model given to run_training as a Python object ({shown}); its "
        "files hold the weights but not the code that builds it."
    )
