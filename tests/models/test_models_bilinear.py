"""The bilinear model against an einsum of its weights in float64, and its option checks."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models import build_model


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def inputs(
    n: int, x_shape: tuple[int, ...], z_features: int, seed: int = 7
) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, *x_shape, generator=g, dtype=torch.float64)
    return x, torch.randn(n, z_features, generator=g, dtype=torch.float64)


@pytest.mark.parametrize("bias", [True, False])
def test_matches_x_transpose_w_z_plus_b(bias):
    torch.manual_seed(0)
    model = build_model("bilinear", (2, 3), 4, z_features=5, bias=bias).double()
    x, z = inputs(7, (2, 3), 5)
    weight = model.bilinear.weight  # (outputs, x_features, z_features)
    assert weight.shape == (4, 6, 5)
    want = torch.einsum("ni,kij,nj->nk", x.flatten(1), weight, z)
    if bias:
        want = want + model.bilinear.bias
    torch.testing.assert_close(model(x, z), want, rtol=1e-12, atol=1e-12)
    assert sum(p.numel() for p in model.parameters()) == 4 * 6 * 5 + 4 * bias


def test_hidden_bilinear_layer_then_linear_output():
    torch.manual_seed(0)
    model = build_model("bilinear", (3,), 2, z_features=4, hidden=5, activation="tanh").double()
    x, z = inputs(6, (3,), 4)
    b = model.bilinear
    hidden = torch.tanh(torch.einsum("ni,kij,nj->nk", x, b.weight, z) + b.bias)
    want = hidden @ model.out.weight.T + model.out.bias
    torch.testing.assert_close(model(x, z), want, rtol=1e-12, atol=1e-12)


def test_is_linear_in_each_input_separately():
    torch.manual_seed(0)
    model = build_model("bilinear", (3,), 2, z_features=4, bias=False).double()
    x, z = inputs(5, (3,), 4)
    x2, z2 = inputs(5, (3,), 4, seed=8)
    torch.testing.assert_close(model(2 * x + x2, z), 2 * model(x, z) + model(x2, z))
    torch.testing.assert_close(model(x, z + z2), model(x, z) + model(x, z2))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"z_features": 0}, "z_features"),
        ({"hidden": -1}, "hidden"),
        ({"activation": "swish"}, "activation"),
        ({"bias": 1}, "bias"),
    ],
)
def test_bad_options_are_reported(options, message):
    with pytest.raises(ConfigError, match=message):
        build_model("bilinear", (3,), 2, **options)
