"""The randomisation-test corruptions (Zhang et al. 2017): labels replaced with probability p,
shuffled pixels (one permutation), random pixels (one per image), Gaussian images."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.corruption import (
    corrupt_inputs,
    corrupt_labels,
    gaussian_images,
    random_pixels,
    shuffle_pixels,
)
from learnlab.io.errors import ConfigError


def test_labels_are_replaced_with_the_fraction_asked_and_fixed_by_the_seed():
    y = torch.randint(0, 10, (20_000,), generator=torch.Generator().manual_seed(5))
    assert corrupt_labels(y, 0.0, num_classes=10, seed=1).equal(y)
    half = corrupt_labels(y, 0.5, num_classes=10, seed=1)
    # replaced with probability 0.5, landing on the true class 1 time in 10: 45% change
    assert abs((half != y).float().mean().item() - 0.45) < 0.015
    assert half.equal(corrupt_labels(y, 0.5, num_classes=10, seed=1))
    assert not half.equal(corrupt_labels(y, 0.5, num_classes=10, seed=2))
    every = corrupt_labels(y, 1.0, num_classes=10, seed=1)
    assert abs((every == y).float().mean().item() - 0.1) < 0.01  # chance agreement only
    assert torch.bincount(every, minlength=10).min() > 1800  # uniform over the classes
    # a larger fraction replaces a superset of the examples, with the same random classes
    changed = half != y
    assert every[changed].equal(half[changed])


@pytest.mark.parametrize("fraction", [-0.1, 1.5, float("nan")])
def test_a_fraction_outside_zero_one_is_refused_naming_it(fraction):
    with pytest.raises(ConfigError, match="fraction"):
        corrupt_labels(torch.zeros(4, dtype=torch.long), fraction, num_classes=10, seed=0)


def test_shuffled_pixels_use_one_permutation_for_every_image():
    x = torch.randn(5, 1, 4, 4)
    out = shuffle_pixels(x, seed=0)
    flat, moved = x.flatten(1), out.flatten(1)
    # the permutation read off the first image explains all the others
    order = [int((flat[0] == v).nonzero()) for v in moved[0]]
    assert moved.equal(flat[:, order]) and order != list(range(16))
    assert out.shape == x.shape


def test_random_pixels_give_each_image_its_own_permutation_of_its_own_values():
    x = torch.stack([torch.arange(9.0), torch.arange(9.0)]).view(2, 1, 3, 3)
    out = random_pixels(x, seed=0).flatten(1)
    assert out[0].sort().values.equal(torch.arange(9.0))
    assert out[1].sort().values.equal(torch.arange(9.0))
    assert not out[0].equal(out[1])  # identical images, different permutations
    assert out.equal(random_pixels(x, seed=0).flatten(1))


def test_gaussian_images_match_the_data_mean_and_std():
    x = torch.rand(2000, 1, 8, 8) * 3 + 2
    noise = gaussian_images(x, seed=0)
    assert noise.shape == x.shape
    assert abs(noise.mean() - x.mean()) < 0.02 and abs(noise.std() - x.std()) < 0.02


def test_corrupt_inputs_names_an_unknown_kind():
    x = torch.zeros(2, 4)
    assert corrupt_inputs(x, "none", seed=0) is x
    with pytest.raises(ConfigError, match="shuffled_pixels"):
        corrupt_inputs(x, "shuffle_pixels", seed=0)
