"""Oracle tests for learnlab.train.init: the sampled weights follow the exact distributions.

Kolmogorov-Smirnov tests (scipy) against U[-a, a] / N(0, s^2) with the bound or std computed
here from the layer's fans; a fixed generator makes each test deterministic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.train.init import INIT_NAMES, init_description, initialize

M, N = 300, 200  # Linear: m inputs, n outputs
CONV_IN, CONV_OUT, KH, KW = 16, 32, 3, 5


def _layer(kind):
    """A layer and its (fan_in, fan_out), computed by hand."""
    if kind == "linear":
        return nn.Linear(M, N), (M, N)
    return nn.Conv2d(CONV_IN, CONV_OUT, (KH, KW)), (CONV_IN * KH * KW, CONV_OUT * KH * KW)


def _expected(name, fan_in, fan_out):
    """(distribution, scale): the uniform bound a, or the normal std s."""
    return {
        "glorot_uniform": ("uniform", math.sqrt(6 / (fan_in + fan_out))),
        "glorot_normal": ("normal", math.sqrt(2 / (fan_in + fan_out))),
        "he_uniform": ("uniform", math.sqrt(6 / fan_in)),
        "he_normal": ("normal", math.sqrt(2 / fan_in)),
    }[name]


def _ks_pvalue(w, dist, scale):
    if dist == "uniform":
        return scipy.stats.kstest(w, "uniform", args=(-scale, 2 * scale)).pvalue
    return scipy.stats.kstest(w, "norm", args=(0.0, scale)).pvalue


def _init(kind, name, seed=0):
    layer, fans = _layer(kind)
    initialize(layer, name, generator=torch.Generator().manual_seed(seed))
    return layer, fans, layer.weight.detach().double().numpy().ravel()


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("name", [n for n in INIT_NAMES if n != "default"])
def test_distribution_matches_closed_form(kind, name):
    layer, (fan_in, fan_out), w = _init(kind, name)
    dist, scale = _expected(name, fan_in, fan_out)
    assert _ks_pvalue(w, dist, scale) > 1e-3
    if dist == "uniform":
        assert np.abs(w).max() <= scale
        assert np.abs(w).max() > scale * (1 - 5e-3)  # the support reaches the bound
        assert w.var() == pytest.approx(scale**2 / 3, rel=0.05)
    else:
        assert w.std() == pytest.approx(scale, rel=0.05)
    assert torch.count_nonzero(layer.bias) == 0


@pytest.mark.parametrize("kind", ["linear", "conv"])
@pytest.mark.parametrize("name", [n for n in INIT_NAMES if n != "default"])
def test_ks_rejects_the_wrong_fan(kind, name):
    """Power check: the same samples are rejected when the scale uses the other fan."""
    _, (fan_in, fan_out), w = _init(kind, name)
    dist, _ = _expected(name, fan_in, fan_out)
    if name.startswith("he"):  # he with fan_out instead of fan_in
        wrong = _expected(name, fan_out, fan_in)[1]
    else:  # glorot scale replaced by he's (fan_in only)
        wrong = _expected("he_" + name.split("_")[1], fan_in, fan_out)[1]
    assert _ks_pvalue(w, dist, wrong) < 1e-6


def test_lecture_bound_for_linear():
    _, _, w = _init("linear", "glorot_uniform")
    bound = math.sqrt(6 / (M + N))  # the lecture's normalized initialization
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() == pytest.approx(bound, rel=1e-3)


def test_same_seed_same_weights_other_seed_differs():
    model_a = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Conv1d(2, 3, 3), nn.Conv3d(1, 2, 2))
    model_b = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Conv1d(2, 3, 3), nn.Conv3d(1, 2, 2))
    initialize(model_a, "he_normal", generator=torch.Generator().manual_seed(7))
    initialize(model_b, "he_normal", generator=torch.Generator().manual_seed(7))
    for a, b in zip(model_a.parameters(), model_b.parameters(), strict=True):
        assert torch.equal(a, b)
    initialize(model_b, "he_normal", generator=torch.Generator().manual_seed(8))
    assert not torch.equal(model_a[0].weight, model_b[0].weight)
    assert not torch.equal(model_a[3].weight, model_b[3].weight)


def test_every_linear_and_conv_layer_and_only_those():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv1d(3, 4, 3),
        nn.BatchNorm1d(4),
        nn.Flatten(),
        nn.Linear(24, 10),
        nn.LayerNorm(10),
        nn.Sequential(nn.Linear(10, 10), nn.Conv2d(1, 1, 1), nn.Conv3d(1, 1, 1)),
    )
    with torch.no_grad():  # give the norm layers non-default values to see they stay
        model[1].weight.uniform_()
        model[1].bias.uniform_()
        model[4].weight.uniform_()
    norms_before = {
        k: v.clone() for k, v in model.state_dict().items() if k.startswith(("1.", "4."))
    }
    assert initialize(model, "glorot_normal", generator=torch.Generator().manual_seed(0)) is model
    for k, v in norms_before.items():
        assert torch.equal(model.state_dict()[k], v), k
    for layer in (model[0], model[3], *model[5]):
        assert torch.count_nonzero(layer.bias) == 0
        fan_in = layer.weight[0].numel()
        fan_out = layer.weight.shape[0] * layer.weight[0, 0].numel()
        if layer.weight.numel() > 30:
            std = math.sqrt(2 / (fan_in + fan_out))
            assert scipy.stats.kstest(layer.weight.detach().ravel(), "norm", (0, std)).pvalue > 1e-3


def test_default_leaves_everything_unchanged():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(4, 3), nn.Conv2d(1, 2, 3))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = torch.random.get_rng_state()
    assert initialize(model, "default") is model
    assert all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert torch.equal(torch.random.get_rng_state(), state)


def test_float64_and_no_generator():
    layer = nn.Linear(50, 40, dtype=torch.float64)
    initialize(layer, "he_uniform")
    assert layer.weight.dtype == torch.float64
    assert layer.weight.abs().max() <= math.sqrt(6 / 50)
    assert torch.count_nonzero(layer.bias) == 0


def test_bad_input():
    with pytest.raises(ConfigError, match="unknown initialisation 'xavier'.*glorot_uniform"):
        initialize(nn.Linear(2, 2), "xavier")
    with pytest.raises(ConfigError, match="choose one of"):
        init_description("orthogonal")
    with pytest.raises(ConfigError, match="forward pass"):
        initialize(nn.LazyLinear(3), "he_normal")


@pytest.mark.parametrize("name", INIT_NAMES)
def test_descriptions(name):
    line = init_description(name)
    assert line and "\n" not in line
