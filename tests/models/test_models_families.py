"""Architecture tests of the built-in families: parameter counts by hand, layer placement,
minimum input sizes, and forward passes recomputed with torch.nn.functional from the weights."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.models import build_model
from learnlab.models.convnets import LENET5_MIN_SIZE, MNIST_CNN_MIN_SIZE


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# --- mlp ------------------------------------------------------------------------------------


def mlp_params(n_in: int, n_out: int, depth: int, width: int, bias: bool, norm: bool) -> int:
    """Closed form: weights, biases, and a (scale, shift) pair per hidden unit with a norm."""
    if depth == 0:
        return n_in * n_out + bias * n_out
    hidden = n_in * width + (depth - 1) * width * width
    return hidden + width * n_out + bias * (depth * width + n_out) + norm * 2 * depth * width


@pytest.mark.parametrize("depth", [0, 1, 2, 3])
@pytest.mark.parametrize("width", [1, 7, 64])
@pytest.mark.parametrize("bias", [True, False])
def test_mlp_parameter_count(depth, width, bias):
    model = build_model("mlp", (1, 28, 28), 10, depth=depth, width=width, bias=bias)
    assert n_params(model) == mlp_params(784, 10, depth, width, bias, norm=False)
    normed = build_model("mlp", (40,), 3, depth=depth, width=width, bias=bias, norm="layer")
    assert n_params(normed) == mlp_params(40, 3, depth, width, bias, norm=depth > 0)


def test_mlp_default_parameter_count():
    # 784-256-256-10 with biases
    expected = 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10
    assert n_params(build_model("mlp", (1, 28, 28), 10)) == expected == 269_322


def layer_types(model: nn.Module) -> list[type]:
    return [type(m) for m in model.children()]


def test_mlp_places_norm_activation_dropout():
    model = build_model("mlp", (1, 8, 8), 4, depth=2, width=5, norm="batch", dropout=0.3)
    block = [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout]
    assert layer_types(model) == [nn.Flatten, *block, *block, nn.Linear]
    assert all(m.p == 0.3 for m in model.modules() if isinstance(m, nn.Dropout))

    model = build_model("mlp", (8,), 4, depth=1, norm="layer", activation="leaky_relu")
    assert layer_types(model) == [nn.Flatten, nn.Linear, nn.LayerNorm, nn.LeakyReLU, nn.Linear]

    plain = build_model("mlp", (8,), 4, depth=2, activation="sigmoid")
    assert layer_types(plain) == [
        nn.Flatten,
        nn.Linear,
        nn.Sigmoid,
        nn.Linear,
        nn.Sigmoid,
        nn.Linear,
    ]

    linear = build_model("mlp", (2, 3), 4, depth=0, norm="batch", dropout=0.5)
    assert layer_types(linear) == [nn.Flatten, nn.Linear]
    assert linear.out.weight.shape == (4, 6)


def test_mlp_forward_matches_hand_computation():
    torch.manual_seed(0)
    model = build_model("mlp", (2, 3), 4, depth=2, width=5, activation="tanh").double()
    x = torch.randn(7, 2, 3, dtype=torch.float64)
    h = x.reshape(7, 6)
    h = torch.tanh(h @ model.fc1.weight.T + model.fc1.bias)
    h = torch.tanh(h @ model.fc2.weight.T + model.fc2.bias)
    expected = h @ model.out.weight.T + model.out.bias
    torch.testing.assert_close(model(x), expected)


def test_mlp_without_bias_has_no_bias():
    model = build_model("mlp", (3,), 2, depth=1, bias=False)
    assert model.fc1.bias is None and model.out.bias is None


# --- lenet5 ---------------------------------------------------------------------------------


def test_lenet5_parameter_count_is_the_classic_figure():
    by_hand = (
        6 * (5 * 5 + 1)  # C1
        + 16 * (6 * 5 * 5 + 1)  # C3, fully connected to S2
        + 16 * 5 * 5 * 120
        + 120  # C5 on the 5x5 S4 maps
        + 120 * 84
        + 84  # F6
        + 84 * 10
        + 10  # output
    )
    assert by_hand == 61_706
    for activation, pool in [("relu", "max"), ("tanh", "avg")]:
        model = build_model("lenet5", (1, 28, 28), 10, activation=activation, pool=pool)
        assert n_params(model) == by_hand


def test_lenet5_other_image_sizes():
    # USPS 16x16: 16 -> 16 -> 8 -> 4 -> 2, so C5 sees 16x2x2.
    usps = 6 * 26 + 16 * 151 + (16 * 2 * 2 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert n_params(build_model("lenet5", (1, 16, 16), 10)) == usps
    # Colour 32x32: C1 has 3x5x5 kernels; 32 -> 32 -> 16 -> 12 -> 6.
    rgb = 6 * 76 + 16 * 151 + (16 * 6 * 6 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert n_params(build_model("lenet5", (3, 32, 32), 10)) == rgb


def test_lenet5_feature_map_sizes_on_mnist():
    model = build_model("lenet5", (1, 28, 28), 10)
    x = torch.zeros(2, 1, 28, 28)
    assert model.features.conv1(x).shape == (2, 6, 28, 28)  # padding 2 keeps 28x28, as 32 -> 28
    assert model.features(x).shape == (2, 16, 5, 5)


def test_lenet5_forward_matches_functional_computation():
    torch.manual_seed(0)
    model = build_model("lenet5", (1, 20, 24), 3, activation="tanh", pool="avg").double()
    x = torch.randn(4, 1, 20, 24, dtype=torch.float64)
    f, c = model.features, model.classifier
    h = F.avg_pool2d(torch.tanh(F.conv2d(x, f.conv1.weight, f.conv1.bias, padding=2)), 2)
    h = F.avg_pool2d(torch.tanh(F.conv2d(h, f.conv2.weight, f.conv2.bias)), 2).flatten(1)
    h = torch.tanh(F.linear(h, c.fc1.weight, c.fc1.bias))
    h = torch.tanh(F.linear(h, c.fc2.weight, c.fc2.bias))
    torch.testing.assert_close(model(x), F.linear(h, c.out.weight, c.out.bias))


def test_unpadded_lenet5_is_li_et_als_lenet_with_44426_parameters():
    """padding=0: C1 maps 24x24, S4 maps 4x4 (Li et al. 2018's MNIST LeNet, D = 44,426)."""
    model = build_model("lenet5", (1, 28, 28), 10, padding=0)
    assert n_params(model) == 44_426
    assert model.features(torch.zeros(1, 1, 28, 28)).shape == (1, 16, 4, 4)
    assert build_model("lenet5", (1, 16, 16), 10, padding=0)(torch.zeros(1, 1, 16, 16)).shape == (
        1,
        10,
    )
    with pytest.raises(ConfigError, match="16x16"):
        build_model("lenet5", (1, 14, 14), 10, padding=0)
    with pytest.raises(ConfigError, match="padding"):
        build_model("lenet5", (1, 28, 28), 10, padding=-1)


def test_lenet5_minimum_input_size():
    assert LENET5_MIN_SIZE == 12
    assert build_model("lenet5", (1, 12, 12), 10)(torch.zeros(1, 1, 12, 12)).shape == (1, 10)
    for shape in [(1, 11, 12), (1, 12, 11), (1, 8, 8)]:
        with pytest.raises(ConfigError, match="at least 12x12"):
            build_model("lenet5", shape, 10)
    with pytest.raises(ConfigError, match=r"\(channels, height, width\)"):
        build_model("lenet5", (1, 40), 10)


# --- mnist-cnn ------------------------------------------------------------------------------


def test_mnist_cnn_parameter_count_on_mnist():
    conv1 = 32 * (1 * 3 * 3 + 1)
    conv2 = 64 * (32 * 3 * 3 + 1)
    fc1 = 64 * 12 * 12 * 128 + 128  # 28 -> 26 -> 24 -> pool 12; 9216 features
    fc2 = 128 * 10 + 10
    assert (conv1, conv2, fc1, fc2) == (320, 18_496, 1_179_776, 1_290)
    assert n_params(build_model("mnist-cnn", (1, 28, 28), 10)) == 1_199_882
    narrow = build_model("mnist-cnn", (1, 28, 28), 10, width=16)
    assert n_params(narrow) == conv1 + conv2 + (9216 * 16 + 16) + (16 * 10 + 10)


def test_mnist_cnn_layers_and_dropout_placement():
    model = build_model("mnist-cnn", (1, 28, 28), 10, dropout1=0.1, dropout2=0.4)
    assert layer_types(model.features) == [nn.Conv2d, nn.ReLU, nn.Conv2d, nn.ReLU, nn.MaxPool2d]
    assert layer_types(model.classifier) == [nn.Dropout, nn.Linear, nn.ReLU, nn.Dropout, nn.Linear]
    assert (model.classifier.drop1.p, model.classifier.drop2.p) == (0.1, 0.4)
    default = build_model("mnist-cnn", (1, 28, 28), 10)
    assert (default.classifier.drop1.p, default.classifier.drop2.p) == (0.25, 0.5)


def test_mnist_cnn_small_inputs():
    assert MNIST_CNN_MIN_SIZE == 6
    # digits 8x8: 8 -> 6 -> 4 -> pool 2, so fc1 sees 64 * 2 * 2 features
    digits = build_model("mnist-cnn", (1, 8, 8), 10)
    assert digits.classifier.fc1.in_features == 256
    assert build_model("mnist-cnn", (1, 6, 6), 10)(torch.zeros(2, 1, 6, 6)).shape == (2, 10)
    with pytest.raises(ConfigError, match="at least 6x6"):
        build_model("mnist-cnn", (1, 5, 6), 10)


def test_mnist_cnn_eval_is_deterministic_train_is_not():
    model = build_model("mnist-cnn", (1, 28, 28), 10)
    x = torch.randn(5, 1, 28, 28)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))  # dropout is active in training
