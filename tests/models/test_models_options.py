"""A model's options read from its factory (`learnlab.models.options`): the allowed values a
`Literal` annotation lists are exactly those the factory accepts, and the defaults, when given
explicitly (as `--dry-run` prints them), build the very same model."""

from __future__ import annotations

from typing import get_args

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models import build_model, model_names
from learnlab.models.options import model_option_defaults, model_options
from learnlab.models.registry import ACTIVATIONS, Activation

# a shape each model builds on with its defaults (graph and token models take (F,) or (T,);
# the grid-world policies take (obstacles, goal, agent) maps)
CANDIDATE_SHAPES = [(1, 28, 28), (16,), (3, 8, 8)]


def shape_for(name: str) -> tuple[int, ...]:
    for shape in CANDIDATE_SHAPES:
        try:
            build_model(name, shape, 10)
            return shape
        except ConfigError:
            continue
    raise AssertionError(f"{name} builds on none of {CANDIDATE_SHAPES}")


def test_the_activation_names_are_the_activations():
    assert get_args(Activation) == tuple(ACTIVATIONS)


CHOICES = [
    pytest.param(name, option.name, option.choices, id=f"{name}-{option.name}")
    for name in model_names()
    for option in model_options(name)
    if option.choices
]


def test_the_options_with_allowed_values_are_found():
    found = {(name, option) for name, option, _ in (p.values for p in CHOICES)}
    assert {("mlp", "activation"), ("mlp", "norm"), ("lenet5", "pool")} <= found
    assert {("recurrent", "readout")}.isdisjoint(found) and ("gru", "readout") in found


@pytest.mark.parametrize(("name", "option", "choices"), CHOICES)
def test_allowed_values_are_exactly_those_the_factory_accepts(name, option, choices):
    shape = shape_for(name)
    with torch.device("meta"):  # one output: siamese's 'euclidean' head gives one distance
        for value in choices:
            build_model(name, shape, 1, **{option: value})
        with pytest.raises(ConfigError, match="must be one of"):
            build_model(name, shape, 1, **{option: "not-a-choice"})


@pytest.mark.parametrize("name", model_names())
def test_the_defaults_given_explicitly_build_the_same_model(name):
    shape = shape_for(name)
    defaults = model_option_defaults(name)
    assert set(defaults) <= {o.name for o in model_options(name)}
    torch.manual_seed(0)
    plain = build_model(name, shape, 10).state_dict()
    torch.manual_seed(0)
    explicit = build_model(name, shape, 10, **defaults).state_dict()
    assert plain.keys() == explicit.keys()
    assert all(torch.equal(plain[k], explicit[k]) for k in plain)


def test_mlp_options_as_data():
    options = {o.name: o for o in model_options("mlp")}
    assert (options["width"].type, options["width"].default) == ("int", 256)
    assert options["norm"].choices == ("none", "batch", "layer")
    assert model_option_defaults("preact-resnet")["blocks"] == [2, 2, 2]  # TOML/JSON: a list
