"""TensorLoader(rank=, world_size=): each rank's share of every global batch of the same
permutation; the shares of all ranks, put together, are the single loader's batches."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.io.errors import ConfigError


@pytest.mark.parametrize(("n", "batch", "world"), [(50, 8, 2), (51, 12, 3), (23, 10, 2)])
def test_the_shares_of_all_ranks_make_the_single_loader_s_batches(n, batch, world):
    x, y = torch.randn(n, 3), torch.arange(n)
    whole = list(TensorLoader(x, y, batch_size=batch, seed=5))
    ranks = [
        TensorLoader(x, y, batch_size=batch, seed=5, rank=r, world_size=world) for r in range(world)
    ]
    shares = [list(loader) for loader in ranks]
    assert all(len(s) == len(whole) for s in shares)
    for i, (xb, yb) in enumerate(whole):
        assert torch.equal(torch.cat([s[i][1] for s in shares]), yb)
        assert torch.equal(torch.cat([s[i][0] for s in shares]), xb)
        sizes = [len(s[i][1]) for s in shares]
        assert max(sizes) - min(sizes) <= 1
    assert ranks[0].global_examples == len(whole[-1][1])


def test_a_rank_resumes_its_share_mid_epoch():
    x = torch.arange(40.0).unsqueeze(1)
    loader = TensorLoader(x, batch_size=8, seed=1, rank=1, world_size=2)
    it = iter(loader)
    next(it), next(it)
    state = loader.state_dict()
    rest = [b[0] for b in it]
    again = TensorLoader(x, batch_size=8, seed=1, rank=1, world_size=2)
    again.load_state_dict(state)
    assert all(torch.equal(a[0], b) for a, b in zip(again, rest, strict=True))


def test_a_batch_smaller_than_the_rank_count_is_refused():
    x = torch.zeros(21, 2)  # the last batch of 10 holds 1 example: not one for each of 2 ranks
    with pytest.raises(ConfigError, match="fewer than the 2 processes"):
        TensorLoader(x, batch_size=10, rank=0, world_size=2)
    with pytest.raises(ConfigError, match="rank must be in"):
        TensorLoader(x, batch_size=10, rank=2, world_size=2)
