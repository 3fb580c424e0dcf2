"""P x K batches (learnlab.data.class_balanced): every batch holds exactly P classes with K
distinct examples each, seeded, and bad shapes are ConfigErrors naming what to change."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.class_balanced import ClassBalancedLoader, check_pk
from learnlab.io.errors import ConfigError


def _labels() -> torch.Tensor:
    # 7 classes of unequal sizes (9 to 21 examples), shuffled
    sizes = [9, 12, 15, 21, 10, 18, 11]
    labels = torch.cat([torch.full((n,), c) for c, n in enumerate(sizes)])
    return labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(3))]


def test_every_batch_has_p_classes_with_k_distinct_examples_each():
    labels = _labels()
    ids = torch.arange(len(labels))
    loader = ClassBalancedLoader(ids, labels, classes=4, per_class=3, batches=60, seed=1)
    batches = list(loader)
    assert len(batches) == len(loader) == 60
    for x, y in batches:
        assert torch.equal(labels[x], y)  # each example keeps its own label
        counts = torch.bincount(y, minlength=7)
        assert sorted(counts[counts > 0].tolist()) == [3, 3, 3, 3]
        assert len(set(x.tolist())) == len(x) == 12  # no example twice in a batch
    # over the epoch every class is drawn, not only a fixed few
    assert set(torch.cat([y for _, y in batches]).tolist()) == set(range(7))


def test_a_class_examples_are_used_in_turn_before_any_repeats():
    labels = torch.arange(60) % 3  # 20 of each class
    loader = ClassBalancedLoader(torch.arange(60), labels, classes=3, per_class=5, seed=0)
    assert len(loader) == 4  # 60 // (3 x 5): the data once
    seen = torch.cat([x for x, _ in loader])
    assert sorted(seen.tolist()) == list(range(60))  # each example exactly once


def test_batches_are_seeded():
    labels = _labels()

    def draw(seed: int) -> list[list[int]]:
        loader = ClassBalancedLoader(labels, classes=3, per_class=4, batches=5, seed=seed)
        return [y.tolist() for (y,) in loader]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_the_default_epoch_holds_the_data_once():
    labels = _labels()  # 96 examples
    assert len(ClassBalancedLoader(labels, classes=4, per_class=2)) == 96 // 8


@pytest.mark.parametrize(
    ("classes", "per_class", "words"),
    [
        (7, 14, "more than the 96 given"),  # P K > data
        (8, 2, "more than the 7 classes"),  # P > classes present
        (3, 10, "smallest"),  # K > the smallest class (9 examples)
        (0, 2, "classes"),
        (2, True, "per_class"),
    ],
)
def test_shapes_that_do_not_fit_are_config_errors(classes, per_class, words):
    with pytest.raises(ConfigError, match=words):
        check_pk(_labels(), classes, per_class)
    with pytest.raises(ConfigError, match=words):
        ClassBalancedLoader(_labels(), classes=classes, per_class=per_class)


def test_tensors_of_different_lengths_are_refused():
    with pytest.raises(ConfigError, match="one length"):
        ClassBalancedLoader(torch.zeros(5), torch.zeros(6), classes=1, per_class=1)
