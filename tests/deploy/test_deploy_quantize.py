"""Dynamic int8 quantisation: outputs close to the float model's, a smaller file, the
original untouched."""

from __future__ import annotations

import copy
import warnings

import pytest
import torch
from torch import nn

from learnlab.deploy.measure import saved_size_bytes
from learnlab.deploy.quantize import quantize_dynamic_int8
from learnlab.io.errors import ConfigError
from learnlab.models import build_model


def test_quantised_mlp_stays_close_to_the_float_model_and_is_smaller():
    torch.manual_seed(0)
    model = build_model("mlp", (1, 8, 8), 10, width=256).eval()
    before = copy.deepcopy(model.state_dict())
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)  # the deprecation is silenced
        quantised = quantize_dynamic_int8(model)
    x = torch.randn(32, 1, 8, 8)
    with torch.no_grad():
        expected, got = model(x), quantised(x)
    assert (got - expected).abs().max() < 0.05 * expected.abs().max()
    assert not torch.equal(got, expected)  # it really is quantised
    assert (got.argmax(1) == expected.argmax(1)).float().mean() >= 0.9
    assert saved_size_bytes(model) / saved_size_bytes(quantised) > 3
    assert all(type(m) is not nn.Linear for m in quantised.modules())
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_lstm_layers_are_quantised_too():
    torch.manual_seed(0)
    model = build_model("lstm", (12, 4), 3).eval()
    quantised = quantize_dynamic_int8(model)
    kinds = {type(m).__name__ for m in quantised.modules()}
    assert "LSTM" in kinds and any(m.__module__.startswith("torch.ao") for m in quantised.modules())
    x = torch.randn(5, 12, 4)
    with torch.no_grad():
        torch.testing.assert_close(quantised(x), model(x), atol=0.05, rtol=0.05)


def test_a_model_without_linear_or_lstm_is_a_config_error():
    with pytest.raises(ConfigError, match="has only Conv2d"):
        quantize_dynamic_int8(nn.Conv2d(1, 2, 3))


def test_a_bare_layer_is_quantised_inside_a_container():
    torch.manual_seed(0)
    layer = nn.Linear(16, 4)
    quantised = quantize_dynamic_int8(layer)
    assert type(quantised[0]).__module__.startswith("torch.ao.nn.quantized.dynamic")
    x = torch.randn(3, 16)
    with torch.no_grad():
        torch.testing.assert_close(quantised(x), layer(x), atol=0.05, rtol=0.05)
