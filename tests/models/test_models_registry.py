"""The registry: names, descriptions, option checking, and the errors a user sees."""

from __future__ import annotations

import pytest
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model, model_description, model_names, register_model, registry


def test_names_and_descriptions():
    names = model_names()
    assert names == sorted(names)
    assert {"mlp", "lenet5", "mnist-cnn"} <= set(names)
    for name in names:
        assert isinstance(model_description(name), str) and model_description(name)
    assert "LeCun" in model_description("lenet5")


def test_unknown_model_lists_names_and_the_file_form():
    with pytest.raises(ConfigError) as info:
        build_model("resnet9000", (1, 28, 28), 10)
    message = str(info.value)
    assert "resnet9000" in message
    assert all(name in message for name in model_names())
    assert "path/to/file.py:factory" in message
    with pytest.raises(ConfigError, match="Did you mean 'lenet5'"):
        build_model("lenet", (1, 28, 28), 10)
    with pytest.raises(ConfigError, match="resnet9000"):
        model_description("resnet9000")
    with pytest.raises(ConfigError, match="'my_model.py:factory'"):
        build_model("my_model.py", (1, 28, 28), 10)


def test_unknown_option_names_it_and_the_allowed_ones():
    with pytest.raises(ConfigError) as info:
        build_model("mlp", (1, 28, 28), 10, widht=3)
    message = str(info.value)
    assert "'widht'" in message and "Did you mean 'width'" in message
    for option in ["depth", "width", "activation", "norm", "dropout", "bias"]:
        assert option in message
    with pytest.raises(ConfigError, match="dropout1, dropout2, width"):
        build_model("mnist-cnn", (1, 28, 28), 10, depth=3)
    with pytest.raises(ConfigError, match="activation, padding, pool"):
        build_model("lenet5", (1, 28, 28), 10, width=3)


@pytest.mark.parametrize(
    ("name", "options", "match"),
    [
        ("mlp", {"depth": -1}, "'depth' must be an integer >= 0"),
        ("mlp", {"depth": 1.5}, "'depth' must be an integer"),
        ("mlp", {"depth": True}, "'depth' must be an integer"),
        ("mlp", {"width": 0}, "'width' must be an integer >= 1"),
        ("mlp", {"dropout": 1.0}, r"'dropout' must be a number in \[0, 1\)"),
        ("mlp", {"dropout": -0.1}, "'dropout'"),
        ("mlp", {"dropout": "0.1"}, "'dropout'"),
        ("mlp", {"activation": "swish"}, "'activation' must be one of 'relu', 'tanh'"),
        ("mlp", {"norm": "group"}, "'norm' must be one of 'none', 'batch', 'layer'"),
        ("mlp", {"bias": "yes"}, "'bias' must be true or false"),
        ("lenet5", {"pool": "min"}, "'pool' must be one of 'max', 'avg'"),
        ("lenet5", {"activation": "softmax"}, "'activation'"),
        ("mnist-cnn", {"dropout2": 1.0}, "'dropout2'"),
        ("mnist-cnn", {"dropout1": -0.5}, "'dropout1'"),
        ("mnist-cnn", {"width": 0}, "'width'"),
    ],
)
def test_bad_option_values(name, options, match):
    with pytest.raises(ConfigError, match=match) as info:
        build_model(name, (1, 28, 28), 10, **options)
    assert f"model {name!r}" in str(info.value)


@pytest.mark.parametrize(
    ("shape", "outputs", "match"),
    [
        ((), 10, "input_shape"),
        ((1, 0, 28), 10, "positive"),
        ((1, 28.0), 10, "integers"),
        ((1, 28, 28), 0, "num_outputs"),
        ((1, 28, 28), 2.0, "num_outputs"),
    ],
)
def test_bad_shapes(shape, outputs, match):
    with pytest.raises(ConfigError, match=match):
        build_model("mlp", shape, outputs)


def test_numpy_like_sizes_are_accepted():
    import numpy as np

    model = build_model("mlp", (np.int64(1), np.int64(6)), np.int64(2), depth=np.int64(1))
    assert model.out.out_features == 2


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry for tests that register models, restored afterwards."""
    model_names()  # load the built-ins before copying
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_register_and_build(scratch_registry):
    @register_model("test-linear", "A linear layer, for tests.")
    def factory(input_shape, num_outputs, scale=1.0):
        layer = nn.Linear(input_shape[-1], num_outputs)
        layer.scale = scale
        return layer

    assert "test-linear" in model_names()
    assert model_description("test-linear") == "A linear layer, for tests."
    model = build_model("test-linear", (5,), 2, scale=3.0)
    assert model.out_features == 2 and model.scale == 3.0

    with pytest.raises(ValueError, match="already registered"):
        register_model("test-linear", "again")(factory)


def test_registration_mistakes_are_programming_errors(scratch_registry):
    with pytest.raises(ValueError, match="lowercase"):
        register_model("Bad Name", "x")
    with pytest.raises(ValueError, match="lowercase"):
        register_model("a:b", "a colon would read as a file path")
    with pytest.raises(TypeError, match="needs a default"):
        register_model("test-a", "x")(lambda input_shape, num_outputs, width: nn.Linear(1, 1))
    with pytest.raises(TypeError, match="num_outputs"):
        register_model("test-b", "x")(lambda input_shape: nn.Linear(1, 1))


def test_registered_factory_returning_non_module(scratch_registry):
    register_model("test-bad", "returns a tensor")(lambda input_shape, num_outputs: 3)
    with pytest.raises(ConfigError, match="returned a value of type int, not a torch.nn.Module"):
        build_model("test-bad", (1,), 1)
