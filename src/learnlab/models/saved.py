"""Rebuild a trained model from its file (`learnlab.io.weights`): the registry builds the
architecture the header names, then the weights are loaded into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from learnlab.io.weights import read_model_file
from learnlab.models.registry import build_model


def load_model(path: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild a trained model from a run directory (or its model.safetensors).

    Returns `(model, recipe)`, the model in eval mode on the CPU; `recipe` holds what
    `save_model` stored, including the normalisation (scale, mean, std) its inputs need.

    >>> model, recipe = load_model("runs/20261123-120000-mnist-lenet5")  # doctest: +SKIP
    """
    weights, recipe = read_model_file(path)
    model = build_model(
        recipe["model"], tuple(recipe["input_shape"]), recipe["num_outputs"], **recipe["options"]
    )
    model.load_state_dict(weights)
    return model.eval(), recipe
