"""The labelled draw and the loader of (labelled, unlabelled) pairs."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.data.semi_supervised import LabelledUnlabelledLoader, draw_labelled
from learnlab.io.errors import ConfigError


def test_draw_labelled_takes_per_class_of_each_and_leaves_the_rest():
    labels = torch.tensor([0, 1, 2] * 5 + [0, 0])
    labelled, rest = draw_labelled(labels, 3, seed=0)
    assert torch.bincount(labels[labelled]).tolist() == [3, 3, 3]
    assert sorted(torch.cat([labelled, rest]).tolist()) == list(range(len(labels)))
    again, _ = draw_labelled(labels, 3, seed=0)
    other, _ = draw_labelled(labels, 3, seed=1)
    assert torch.equal(labelled, again) and not torch.equal(labelled, other)


@pytest.mark.parametrize("per_class", [0, 6])
def test_draw_labelled_refuses_zero_or_more_than_the_rarest_class(per_class):
    labels = torch.tensor([0, 1] * 5 + [0])  # class 1 has 5 examples
    with pytest.raises(ConfigError, match=f"labels_per_class={per_class}"):
        draw_labelled(labels, per_class, seed=0)


def test_pairs_restart_the_small_labelled_loader_and_cover_it():
    labelled = TensorLoader(torch.arange(4.0).view(4, 1), torch.arange(4), batch_size=2, seed=0)
    unlabelled = TensorLoader(torch.arange(100.0, 112.0).view(12, 1), batch_size=3, seed=1)
    pairs = list(LabelledUnlabelledLoader(labelled, unlabelled))
    assert len(pairs) == 4  # one pass of the unlabelled loader
    seen = torch.cat([p.labelled[1] for p in pairs]).tolist()
    # 4 batches of 2 = two epochs of the labelled set, each a permutation of it
    assert sorted(seen[:4]) == [0, 1, 2, 3] and sorted(seen[4:]) == [0, 1, 2, 3]
    assert sorted(torch.cat([p.unlabelled for p in pairs]).flatten().tolist()) == list(
        range(100, 112)
    )


def test_a_fixed_number_of_batches_wraps_the_unlabelled_loader():
    labelled = TensorLoader(torch.zeros(2, 1), torch.zeros(2, dtype=torch.long), batch_size=2)
    unlabelled = TensorLoader(torch.zeros(4, 1), batch_size=2, seed=0)
    assert len(list(LabelledUnlabelledLoader(labelled, unlabelled, batches=5))) == 5
