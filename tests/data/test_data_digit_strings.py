"""Digit strings: seeded, the labels are the digits placed left to right, the lengths cover
1..max_length, and impossible geometries are a ConfigError naming the argument."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.digit_strings import PAD, digit_strings
from learnlab.io.errors import ConfigError


def _one_hot_digits() -> tuple[torch.Tensor, torch.Tensor]:
    """Ten 6x6 'digits': digit d is blank except a full column at x = d % 6 of value
    (d + 1) / 10, so a string's image can be read back exactly."""
    images = torch.zeros(10, 6, 6)
    for d in range(10):
        images[d, :, d % 6] = (d + 1) / 10
    return images, torch.arange(10)


def test_strings_are_seeded_padded_and_in_reading_order():
    images, labels = _one_hot_digits()
    a = digit_strings(images, labels, 50, width=40, max_length=5, min_gap=0, seed=3)
    b = digit_strings(images, labels, 50, width=40, max_length=5, min_gap=0, seed=3)
    assert torch.equal(a.images, b.images) and torch.equal(a.labels, b.labels)
    assert a.images.shape == (50, 1, 8, 40)
    assert set(a.lengths.tolist()) == {1, 2, 3, 4, 5}
    for row, n, image in zip(a.labels, a.lengths.tolist(), a.images, strict=True):
        assert (row[n:] == PAD).all() and (row[:n] >= 0).all()
        # the column values, left to right, are the placed digits' (d + 1) / 10 in order
        columns = image[0].amax(dim=0)
        read = [round(float(v) * 10) - 1 for v in columns if v > 0]
        assert read == row[:n].tolist()


def test_a_different_seed_draws_different_strings():
    images, labels = _one_hot_digits()
    a = digit_strings(images, labels, 20, width=40, seed=0, min_gap=0)
    b = digit_strings(images, labels, 20, width=40, seed=1, min_gap=0)
    assert not torch.equal(a.images, b.images)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"max_length": 0}, "max_length"),
        ({"width": 20, "max_length": 5}, "width"),  # 5 x 6 pixels do not fit in 20
        ({"min_length": 3, "max_length": 2}, "min_length"),
        ({"min_gap": 4, "max_gap": 1}, "min_gap"),
    ],
)
def test_impossible_strings_are_refused_naming_the_argument(options, named):
    images, labels = _one_hot_digits()
    with pytest.raises(ConfigError, match=named):
        digit_strings(images, labels, 5, **{"width": 40, "seed": 0, **options})
