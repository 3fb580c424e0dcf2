"""The marked-pairs task: two marks per sequence, labels that say whether the marked tokens
are equal, balanced and seeded; a bag of tokens forgets where the marks are."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.marked_pairs import bag_of_tokens, marked_pairs
from learnlab.io.errors import ConfigError


def test_labels_say_whether_the_marked_tokens_are_equal():
    x, y = marked_pairs(500, length=9, vocab=6, seed=0)
    assert x.shape == (500, 9, 7) and y.dtype == torch.int64
    assert bool((x[..., :6].sum(dim=2) == 1).all())  # one token per position
    marks = x[..., 6]
    assert bool((marks.sum(dim=1) == 2).all())
    tokens = x[..., :6].argmax(dim=2)
    for row in range(500):
        a, b = tokens[row][marks[row] == 1].tolist()
        assert int(y[row]) == int(a == b)
    assert 0.4 < float(y.float().mean()) < 0.6


def test_seeded():
    a, b, c = (marked_pairs(50, length=6, vocab=4, seed=s) for s in (1, 1, 2))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])


def test_bag_of_tokens_counts_features_and_forgets_order():
    x, _ = marked_pairs(20, length=7, vocab=5, seed=0)
    bag = bag_of_tokens(x)
    assert bag.shape == (20, 6)
    torch.testing.assert_close(bag, bag_of_tokens(x.flip(1)))
    assert bool((bag[:, :5].sum(dim=1) == 7).all()) and bool((bag[:, 5] == 2).all())


def test_bad_sizes_are_refused():
    with pytest.raises(ConfigError, match="length >= 2"):
        marked_pairs(10, length=1, vocab=4, seed=0)
