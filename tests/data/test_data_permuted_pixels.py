"""Permuted-pixel tasks (learnlab.data.permuted_pixels): seeded permutations, task 0 the
identity, the transform as a TensorLoader batch transform, bad input refused."""

from __future__ import annotations

import pytest
import torch

from learnlab.data import TensorLoader
from learnlab.data.permuted_pixels import PixelPermutation, permute_pixels, task_permutations
from learnlab.io.errors import ConfigError


def test_each_task_has_its_own_seeded_permutation_and_task_0_is_the_identity():
    permutations = task_permutations(4, 784, seed=0)
    assert torch.equal(permutations[0], torch.arange(784))
    for p in permutations:
        assert torch.equal(p.sort().values, torch.arange(784))
    assert len({tuple(p.tolist()) for p in permutations}) == 4
    again = task_permutations(6, 784, seed=0)
    assert all(torch.equal(a, b) for a, b in zip(permutations, again[:4], strict=True))
    other = task_permutations(2, 784, seed=1)
    assert not torch.equal(other[1], permutations[1])
    assert not torch.equal(task_permutations(1, 784, 0, identity_first=False)[0], torch.arange(784))


def test_permuting_moves_pixel_values_and_keeps_the_shape():
    x = torch.arange(2 * 9).reshape(2, 1, 3, 3)
    permutation = task_permutations(2, 9, seed=3)[1]
    out = permute_pixels(x, permutation)
    assert out.shape == x.shape
    assert torch.equal(out.reshape(2, 9), x.reshape(2, 9)[:, permutation])
    inverse = torch.argsort(permutation)
    assert torch.equal(permute_pixels(out, inverse), x)


def test_the_transform_permutes_a_loaders_inputs_and_keeps_its_labels():
    x, y = torch.randn(10, 1, 2, 2), torch.arange(10)
    permutation = torch.tensor([2, 0, 3, 1])
    loader = TensorLoader(
        x, y, batch_size=4, shuffle=False, transform=PixelPermutation(permutation)
    )
    xb, yb = next(iter(loader))
    assert torch.equal(yb, y[:4])
    assert torch.equal(xb.reshape(4, 4), x[:4].reshape(4, 4)[:, permutation])


@pytest.mark.parametrize("tasks", [0, -1, 1.5, True])
def test_fewer_than_one_task_is_a_config_error_naming_tasks(tasks):
    with pytest.raises(ConfigError, match="tasks"):
        task_permutations(tasks, 784, seed=0)


def test_a_permutation_of_the_wrong_size_or_not_a_permutation_is_refused():
    with pytest.raises(ConfigError, match="pixels"):
        permute_pixels(torch.zeros(2, 5), torch.arange(4))
    with pytest.raises(ConfigError, match="permutation"):
        PixelPermutation(torch.tensor([0, 0, 1]))
