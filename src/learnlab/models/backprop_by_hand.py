"""Backpropagation by hand: an MLP's forward pass, backward pass and SGD step in NumPy.

Written to be read beside the lecture's chain rule, not to be fast (learnlab trains with torch
autograd; tests/models/test_models_backprop_by_hand.py checks this file against it to 1e-10 in
float64, and against finite differences; docs/backprop.md walks through it).

Notation (a batch X of n examples as rows; layers l = 1..L, weights as torch's nn.Linear,
W_l of shape (out, in)):

    h_0 = X
    a_l = h_{l-1} W_l^T + b_l          pre-activation of layer l
    h_l = f(a_l)                       for the hidden layers l < L (f: sigmoid, tanh or relu)
    z   = a_L                          the output layer has no f: its a_L are the logits
    J   = (1/n) sum_i -log softmax(z_i)[y_i]

The chain rule, from the output back, with g_l = dJ/da_l (one row per example):

    g_L      = (softmax(z) - onehot(y)) / n       softmax and cross-entropy together
    dJ/dW_l  = g_l^T h_{l-1}                      a_l is linear in W_l
    dJ/db_l  = sum over the rows of g_l           b_l is added to every row
    dJ/dh_{l-1} = g_l W_l                         a_l is linear in h_{l-1}
    g_{l-1}  = dJ/dh_{l-1} * f'(a_{l-1})          elementwise: h = f(a) acts entry by entry

The forward pass keeps every h_{l-1} and a_l because the backward pass needs them; that
memory is what autograd keeps too. An SGD step is then W_l <- W_l - eps dJ/dW_l.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from learnlab.io.errors import ConfigError, unknown_name

Array = np.ndarray


def _sigmoid(a: Array) -> Array:
    return 0.5 * (1.0 + np.tanh(0.5 * a))  # = 1/(1+exp(-a)), without overflow for large |a|


# Each activation f with its derivative f'(a), given a and h = f(a) (whichever is cheaper).
ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array, Array], Array]]] = {
    "sigmoid": (_sigmoid, lambda a, h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda a, h: 1.0 - h * h),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(a.dtype)),
}


@dataclass(frozen=True)
class Layer:
    """One affine layer a = h W^T + b: `weight` of shape (out, in), `bias` of shape (out,)."""

    weight: Array
    bias: Array


@dataclass(frozen=True)
class ForwardPass:
    """What the backward pass needs: each layer's input h_{l-1} and pre-activation a_l."""

    inputs: list[Array]
    pre_activations: list[Array]
    probabilities: Array
    loss: float


def check_activation(activation: str) -> None:
    """ConfigError unless `activation` is one of ACTIVATIONS."""
    if activation not in ACTIVATIONS:
        raise unknown_name("activation", activation, tuple(ACTIVATIONS))


def init_mlp(sizes: list[int], seed: int = 0, dtype: type = np.float64) -> list[Layer]:
    """Layers for widths `sizes` = [inputs, hidden..., classes], Glorot-uniform weights (the
    lecture's U[-sqrt(6/(m+n)), sqrt(6/(m+n))]) and small random biases (so that tests see
    a bias gradient through every path)."""
    if len(sizes) < 2 or any(int(s) < 1 for s in sizes):
        raise ConfigError(f"sizes must be >= 2 positive widths [inputs, ..., classes], got {sizes}")
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        weight = rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(dtype)
        layers.append(Layer(weight, rng.normal(0.0, 0.1, size=fan_out).astype(dtype)))
    return layers


def softmax_cross_entropy(logits: Array, labels: Array) -> tuple[float, Array]:
    """The mean cross-entropy of integer `labels` under softmax(`logits`), and the softmax.
    Subtracting each row's max changes nothing mathematically and keeps exp from overflowing."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(len(labels)), labels].mean()
    return float(loss), np.exp(log_probs)


def forward(layers: list[Layer], x: Array, labels: Array, activation: str = "relu") -> ForwardPass:
    """The forward pass: a_l = h_{l-1} W_l^T + b_l, h_l = f(a_l), then the loss of the logits."""
    check_activation(activation)
    f = ACTIVATIONS[activation][0]
    inputs, pre_activations = [], []
    h = x
    for index, layer in enumerate(layers):
        a = h @ layer.weight.T + layer.bias
        inputs.append(h)
        pre_activations.append(a)
        h = f(a) if index < len(layers) - 1 else a  # no activation on the logits
    loss, probabilities = softmax_cross_entropy(h, labels)
    return ForwardPass(inputs, pre_activations, probabilities, loss)


def backward(
    layers: list[Layer], cache: ForwardPass, labels: Array, activation: str = "relu"
) -> list[Layer]:
    """The backward pass: dJ/dW_l and dJ/db_l of every layer (as Layers), by the chain rule."""
    check_activation(activation)
    f, f_prime = ACTIVATIONS[activation]
    n = len(labels)
    g = cache.probabilities.copy()  # g_L = (softmax(z) - onehot(y)) / n
    g[np.arange(n), labels] -= 1.0
    g /= n
    gradients: list[Layer] = []
    for index in reversed(range(len(layers))):
        h_prev = cache.inputs[index]
        gradients.append(Layer(weight=g.T @ h_prev, bias=g.sum(axis=0)))
        if index > 0:  # carry g back through W_l and then through f of layer l-1
            a_prev = cache.pre_activations[index - 1]
            g = (g @ layers[index].weight) * f_prime(a_prev, h_prev)
    return gradients[::-1]


def loss_and_gradients(
    layers: list[Layer], x: Array, labels: Array, activation: str = "relu"
) -> tuple[float, list[Layer]]:
    """The mean cross-entropy at `layers` and its gradient with respect to every parameter."""
    cache = forward(layers, x, labels, activation)
    return cache.loss, backward(layers, cache, labels, activation)


def sgd_step(layers: list[Layer], gradients: list[Layer], lr: float) -> list[Layer]:
    """One step of gradient descent, theta <- theta - lr dJ/dtheta (new Layers; no mutation)."""
    return [
        Layer(layer.weight - lr * grad.weight, layer.bias - lr * grad.bias)
        for layer, grad in zip(layers, gradients, strict=True)
    ]
