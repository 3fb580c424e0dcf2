"""Rebuild a trained model from its file (`learnlab.io.weights`): the registry builds the
architecture the header names, then the weights are loaded into it.

`load_model(run)` returns the model, as `torch.load` of a whole model would (but never
unpickling); `load_model_info(run)` returns the header: how to rebuild it, the data set and
the normalisation its inputs need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.io.weights import read_model_file, read_model_info
from learnlab.models.given import cannot_rebuild, is_given_model_name
from learnlab.models.registry import build_model


def load_model(path: str | Path, model: nn.Module | None = None) -> nn.Module:
    """The trained model of a run directory (or of its model.safetensors), in eval mode on the
    CPU, ready for inference; its inputs need the normalisation in `load_model_info(path)`.

    The registry rebuilds the architecture; `model`, when given, is used instead (the
    weights must fit it exactly): the way to load a run whose model was given to
    `run_training` as a Python object.

    >>> model = load_model("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    >>> info = load_model_info("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    """
    weights, info = read_model_file(path)
    if model is None:
        if is_given_model_name(info["model"]):
            raise ConfigError(
                f"{cannot_rebuild(str(path), info['model'])} Build the same model and pass "
                "it: load_model(run, model=YourModel(...))."
            )
        model = build_model(
            info["model"], tuple(info["input_shape"]), info["num_outputs"], **info["options"]
        )
    model.load_state_dict(weights)
    return model.eval()


def load_model_info(path: str | Path) -> dict[str, Any]:
    """What a run's model file records besides the weights: `model` (registry name,
    file.py:factory or python:<class>), `options`, `input_shape`, `num_outputs`, `dataset`,
    `task`, `class_names` and the normalisation of its inputs (`scale`, `mean`, `std`)."""
    return read_model_info(Path(path))
