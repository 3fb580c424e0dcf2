"""Context windows of a token stream: within range, shifted by one, seeded, resumable."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.token_windows import RandomWindows, covering_windows, windows_at
from learnlab.io.errors import ConfigError


def _loader(seed: int = 0, **kw) -> RandomWindows:
    options = {"context": 5, "batch_size": 3, "batches_per_epoch": 4, "seed": seed, **kw}
    return RandomWindows(torch.arange(40) * 2, **options)


def test_windows_are_slices_of_the_stream_and_targets_are_shifted():
    stream = torch.arange(40) * 2  # token value = 2 * position: positions can be read back
    for x, y in _loader():
        assert x.shape == y.shape == (3, 5)
        starts = x[:, 0] // 2
        assert bool(((starts >= 0) & (starts <= 40 - 5 - 1)).all())
        torch.testing.assert_close(x, stream[starts[:, None] + torch.arange(5)])
        torch.testing.assert_close(y, stream[starts[:, None] + torch.arange(1, 6)])


def test_every_start_is_reachable_and_none_out_of_range():
    loader = RandomWindows(torch.arange(12), context=4, batch_size=50, batches_per_epoch=4, seed=1)
    starts = torch.cat([x[:, 0] for x, _ in loader])
    assert set(starts.tolist()) == set(range(12 - 4))  # 0 .. len - context - 1


def test_same_seed_same_batches_other_seed_other_batches():
    first = [x for x, _ in _loader(seed=3)]
    again = [x for x, _ in _loader(seed=3)]
    other = [x for x, _ in _loader(seed=4)]
    assert all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(first, other, strict=True))
    loader = _loader(seed=3)
    epoch1, epoch2 = [x for x, _ in loader], [x for x, _ in loader]
    assert len(epoch1) == len(loader) == 4
    assert not all(torch.equal(a, b) for a, b in zip(epoch1, epoch2, strict=True))


def test_resume_mid_epoch_gives_the_remaining_batches():
    reference = _loader()
    expected = [x for x, _ in reference] + [x for x, _ in reference]
    loader = _loader()
    it = iter(loader)
    seen = [next(it)[0], next(it)[0]]
    state = loader.state_dict()
    resumed = _loader()
    resumed.load_state_dict(state)
    seen += [x for x, _ in resumed] + [x for x, _ in resumed]
    assert all(torch.equal(a, b) for a, b in zip(seen, expected, strict=True))


def test_covering_windows_cover_the_stream_once():
    stream = torch.arange(23)
    x, y = covering_windows(stream, 5)
    assert x.shape == (4, 5)  # (23 - 1) // 5 windows
    torch.testing.assert_close(x.reshape(-1), torch.arange(20))
    torch.testing.assert_close(y.reshape(-1), torch.arange(1, 21))
    torch.testing.assert_close(windows_at(stream, torch.tensor([0, 5]), 5)[0], x[:2])


@pytest.mark.parametrize(
    ("stream", "context", "match"),
    [
        (torch.arange(5), 5, "too short"),
        (torch.arange(10).float(), 3, "int64"),
        (torch.arange(10), 0, "context"),
    ],
)
def test_bad_inputs_are_refused(stream, context, match):
    with pytest.raises(ConfigError, match=match):
        covering_windows(stream, context)
    with pytest.raises(ConfigError, match=match):
        RandomWindows(stream, context=context, batch_size=1, batches_per_epoch=1, seed=0)
