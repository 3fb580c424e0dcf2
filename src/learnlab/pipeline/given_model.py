"""A model given to `run_training` as an object instead of a registry name in the config: an
`nn.Module` (trained in place), or a class or function that returns one (called like a
registered factory). `learnlab.models.given` says how a run names it.

Example:
    >>> published = run_training(TrainConfig(dataset="digits"), model=my_module)  # doctest: +SKIP
    >>> published.model is my_module                                           # doctest: +SKIP
    True
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import nn

from learnlab.config import TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.models.given import given_model_name, is_given_model_name, run_label


def config_naming(config: TrainConfig, model: Any) -> TrainConfig:
    """`config` with `model` naming a model given as an object (`python:<module>.<class>`)."""
    if "model" in config.model_fields_set:
        raise ConfigError(
            f"two models given: TrainConfig(model={config.model!r}) and model=... of "
            "run_training; give one of them."
        )
    return config.model_copy(update={"model": given_model_name(model)})


def model_label(name: str) -> str:
    """The model's part of a default run directory's name (`Net` for `python:__main__.Net`)."""
    return run_label(name) if is_given_model_name(name) else Path(name).stem


def build_given_model(
    model: nn.Module | Callable[..., nn.Module],
    config: TrainConfig,
    input_shape: tuple[int, ...],
    num_outputs: int,
) -> nn.Module:
    """A model given to `run_training` as an object: an nn.Module is trained as it is (in
    place); a class or function is called like a registered factory (the data set's
    input_shape and num_outputs, plus `config.model_options`). Then `config.init` applies."""
    from learnlab.models.factories import call_factory
    from learnlab.train.init import initialize

    name = given_model_name(model)
    if isinstance(model, nn.Module):
        if config.model_options:
            raise ConfigError(
                f"model_options {config.model_options} cannot change a model given as an "
                "nn.Module; pass its class or a function that builds it, or build it with "
                "those options yourself."
            )
        built = model
    else:
        built = call_factory(f"model {name}", model, input_shape, num_outputs, config.model_options)
    return initialize(built, config.init)
