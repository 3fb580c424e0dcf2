"""learnlab.models.backprop_by_hand against torch autograd (float64, to 1e-10) and against
central finite differences: the loss, every layer's gradient and the parameters after one SGD
step, over depths, activations and seeds."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.models.backprop_by_hand import (
    Layer,
    forward,
    init_mlp,
    loss_and_gradients,
    sgd_step,
)

TOL = 1e-10
TORCH_ACTIVATIONS = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}


def _problem(sizes: list[int], seed: int, n: int = 13):
    rng = np.random.default_rng(seed + 1000)
    x = rng.normal(size=(n, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=n)
    return init_mlp(sizes, seed=seed), x, labels


def _torch_mlp(layers: list[Layer], activation: str) -> torch.nn.Sequential:
    """The same network as torch modules, with the same float64 weights."""
    modules: list[torch.nn.Module] = []
    for index, layer in enumerate(layers):
        linear = torch.nn.Linear(layer.weight.shape[1], layer.weight.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weight))
            linear.bias.copy_(torch.from_numpy(layer.bias))
        modules.append(linear)
        if index < len(layers) - 1:
            modules.append(TORCH_ACTIVATIONS[activation]())
    return torch.nn.Sequential(*modules)


def _linears(net: torch.nn.Sequential) -> list[torch.nn.Linear]:
    return [m for m in net if isinstance(m, torch.nn.Linear)]


def _close(a: np.ndarray, b: torch.Tensor) -> None:
    assert a.shape == tuple(b.shape)
    np.testing.assert_allclose(a, b.detach().numpy(), rtol=0, atol=TOL)


SIZES = [[5, 3], [6, 8, 4], [7, 9, 6, 3], [4, 5, 5, 5, 5, 6]]  # depths 1, 2, 3 and 5


@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: f"depth{len(s) - 1}")
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("seed", [0, 7])
def test_matches_autograd_loss_gradients_and_sgd_step(sizes, activation, seed):
    layers, x, labels = _problem(sizes, seed)
    loss, grads = loss_and_gradients(layers, x, labels, activation)

    net = _torch_mlp(layers, activation)
    torch_loss = torch.nn.functional.cross_entropy(
        net(torch.from_numpy(x)), torch.from_numpy(labels)
    )
    torch_loss.backward()
    assert abs(loss - torch_loss.item()) < TOL
    assert len(grads) == len(layers)
    for grad, linear in zip(grads, _linears(net), strict=True):
        _close(grad.weight, linear.weight.grad)
        _close(grad.bias, linear.bias.grad)

    lr = 0.3
    torch.optim.SGD(net.parameters(), lr=lr).step()
    for stepped, linear in zip(sgd_step(layers, grads, lr), _linears(net), strict=True):
        _close(stepped.weight, linear.weight)
        _close(stepped.bias, linear.bias)
    assert not np.array_equal(stepped.weight, layers[-1].weight)  # the step moved something


def _loss_moved(layers, index, name, position, delta, x, labels, activation) -> float:
    """The loss with one entry of layer `index`'s `name` moved by `delta`."""
    moved = getattr(layers[index], name).copy()
    moved[position] += delta
    changed = Layer(**{**vars(layers[index]), name: moved})
    trial = [*layers[:index], changed, *layers[index + 1 :]]
    return forward(trial, x, labels, activation).loss


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_every_gradient_entry_matches_central_differences(activation):
    layers, x, labels = _problem([4, 6, 5, 3], seed=3, n=9)
    _, grads = loss_and_gradients(layers, x, labels, activation)
    step = 1e-6
    for index, grad in enumerate(grads):
        for name in ("weight", "bias"):
            analytic = getattr(grad, name)
            numeric = np.zeros_like(analytic)
            for position in np.ndindex(analytic.shape):
                up, down = (
                    _loss_moved(layers, index, name, position, delta, x, labels, activation)
                    for delta in (step, -step)
                )
                numeric[position] = (up - down) / (2 * step)
            np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_sgd_lowers_the_loss_and_does_not_mutate():
    layers, x, labels = _problem([6, 10, 4], seed=1, n=40)
    before = [layer.weight.copy() for layer in layers]
    losses = []
    for _ in range(300):
        loss, grads = loss_and_gradients(layers, x, labels, "tanh")
        losses.append(loss)
        new = sgd_step(layers, grads, lr=0.5)
        assert all(np.array_equal(a, b.weight) for a, b in zip(before, layers, strict=True))
        layers, before = new, [layer.weight.copy() for layer in new]
    assert losses[-1] < 0.5 * losses[0]


def test_bad_input_names_what_is_wrong():
    layers, x, labels = _problem([3, 2], seed=0)
    with pytest.raises(ConfigError, match="activation.*sigmoid"):
        loss_and_gradients(layers, x, labels, "gelu")
    with pytest.raises(ConfigError, match="sizes"):
        init_mlp([4])


def test_the_docs_page_example_runs_as_printed() -> None:
    """docs/backprop.md's "Use it from Python" block (its other blocks quote the code)."""
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "backprop.md").read_text()
    block = page.split("## Use it from Python", 1)[1].split("```python\n", 1)[1].split("```")[0]
    namespace: dict = {}
    exec(compile(block, "docs/backprop.md", "exec"), namespace)  # noqa: S102 - our own page
    assert namespace["loss"] > 0 and len(namespace["layers"]) == 2
