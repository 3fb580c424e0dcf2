"""learnlab.train.seeding.torch_threads: the block runs on the threads asked for, and torch's
own setting comes back after it, also when the block fails."""

from __future__ import annotations

import pytest
import torch

from learnlab.train.seeding import torch_threads


def test_torch_threads_sets_and_restores_the_count_also_after_an_error():
    before = torch.get_num_threads()
    other = 1 if before != 1 else 2
    with pytest.raises(RuntimeError), torch_threads(other):
        assert torch.get_num_threads() == other
        raise RuntimeError
    assert torch.get_num_threads() == before
    with torch_threads(None):  # None leaves the setting alone
        assert torch.get_num_threads() == before
