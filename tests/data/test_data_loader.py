"""TensorLoader: coverage of every example, determinism, and bit-exact resume."""

from __future__ import annotations

import pytest
import torch

from learnlab.data.loader import TensorLoader
from learnlab.data.transforms import random_translate
from learnlab.io.errors import ConfigError

N = 23


def data(n: int = N):
    x = torch.arange(n, dtype=torch.float32)[:, None, None, None].expand(n, 1, 5, 5).clone()
    x[:, :, 2, 2] += 1000.0  # a marked centre pixel so translations are visible
    return x, torch.arange(n)


def epoch(loader) -> list[tuple[torch.Tensor, ...]]:
    return [tuple(t.clone() for t in b) for b in loader]


def same(a, b) -> bool:
    return len(a) == len(b) and all(
        len(u) == len(v) and all(torch.equal(s, t) for s, t in zip(u, v, strict=True))
        for u, v in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("shuffle", [True, False])
def test_every_example_exactly_once_per_epoch(shuffle):
    x, y = data()
    loader = TensorLoader(x, y, batch_size=5, shuffle=shuffle, seed=1)
    assert len(loader) == 5 and loader.num_examples == N
    for _ in range(3):
        batches = epoch(loader)
        assert [len(b[1]) for b in batches] == [5, 5, 5, 5, 3]
        ids = torch.cat([b[1] for b in batches])
        assert sorted(ids.tolist()) == list(range(N))
        for xb, yb in batches:  # rows stay aligned across tensors
            assert torch.equal(xb[:, 0, 0, 0], yb.float())
        if not shuffle:
            assert ids.tolist() == list(range(N))


def test_drop_last():
    x, y = data()
    loader = TensorLoader(x, y, batch_size=5, drop_last=True, seed=0)
    assert len(loader) == 4
    batches = epoch(loader)
    assert [len(b[1]) for b in batches] == [5, 5, 5, 5]
    assert len(set(torch.cat([b[1] for b in batches]).tolist())) == 20


def test_same_seed_same_order_and_epochs_differ():
    x, y = data()
    a = TensorLoader(x, y, batch_size=4, seed=7)
    b = TensorLoader(x, y, batch_size=4, seed=7)
    ea1, ea2 = epoch(a), epoch(a)
    assert same(ea1, epoch(b)) and same(ea2, epoch(b))
    assert not same(ea1, ea2)
    assert not same(ea1, epoch(TensorLoader(x, y, batch_size=4, seed=8)))


def test_generator_argument_and_default_seed():
    x, y = data()
    g = torch.Generator().manual_seed(7)
    assert same(epoch(TensorLoader(x, y, batch_size=4, generator=g)),
                epoch(TensorLoader(x, y, batch_size=4, seed=7)))  # fmt: skip
    torch.manual_seed(3)
    first = epoch(TensorLoader(x, y, batch_size=4))
    torch.manual_seed(3)
    assert same(first, epoch(TensorLoader(x, y, batch_size=4)))


def test_invalid_arguments():
    x, y = data()
    with pytest.raises(ConfigError, match="same first dimension"):
        TensorLoader(x, y[:-1], batch_size=4)
    with pytest.raises(ConfigError, match="batch_size"):
        TensorLoader(x, y, batch_size=0)
    with pytest.raises(ConfigError, match="not both"):
        TensorLoader(x, y, batch_size=4, seed=1, generator=torch.Generator())
    with pytest.raises(ConfigError, match="no batches"):
        TensorLoader(x, y, batch_size=50, drop_last=True)


def make(transform=None, **kw):
    x, y = data()
    return TensorLoader(x, y, batch_size=5, seed=11, transform=transform, **kw)


def run_uninterrupted(transform, k):
    loader = make(transform)
    it = iter(loader)
    head = [tuple(t.clone() for t in next(it)) for _ in range(k)]
    rest = [tuple(t.clone() for t in b) for b in it]
    return head, rest, epoch(loader), epoch(loader)


@pytest.mark.parametrize("transform", [None, random_translate(2)], ids=["plain", "translate"])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_resume_mid_epoch_matches_uninterrupted(transform, k):
    head, rest, next1, next2 = run_uninterrupted(transform, k)
    interrupted = make(transform)
    got = []
    for i, batch in enumerate(interrupted):
        got.append(tuple(t.clone() for t in batch))
        if i + 1 == k:
            state = interrupted.state_dict()  # taken in the loop body after batch k-1
            break
    assert same(got, head)
    assert state["position"] == k
    assert state["epoch_state"].dtype == torch.uint8
    resumed = make(transform)
    resumed.load_state_dict(state)
    assert same(epoch(resumed), rest)  # k == 5: the interrupted epoch had nothing left
    assert same(epoch(resumed), next1)
    assert same(epoch(resumed), next2)


def test_state_after_a_full_epoch_resumes_into_the_next():
    t = random_translate(1)
    reference = make(t)
    epoch(reference)
    expected = epoch(reference), epoch(reference)
    loader = make(t)
    epoch(loader)
    state = loader.state_dict()
    assert state["position"] == 0
    resumed = make(t)
    resumed.load_state_dict(state)
    assert same(epoch(resumed), expected[0]) and same(epoch(resumed), expected[1])


def test_state_before_any_iteration_and_after_load_round_trip():
    loader = make()
    fresh = make()
    fresh.load_state_dict(loader.state_dict())
    assert same(epoch(fresh), epoch(make()))
    mid = make()
    it = iter(mid)
    next(it)
    state = mid.state_dict()
    again = make()
    again.load_state_dict(state)
    s2 = again.state_dict()  # not yet iterated: reports the loaded state unchanged
    assert s2["position"] == 1 and torch.equal(s2["after_state"], state["after_state"])


def test_state_dict_is_a_snapshot():
    loader = make()
    it = iter(loader)
    next(it)
    state = loader.state_dict()
    saved = state["after_state"].clone()
    next(it)
    assert state["position"] == 1 and torch.equal(state["after_state"], saved)


def test_load_rejects_a_state_from_another_loader():
    state = make().state_dict()
    other = TensorLoader(*data(), batch_size=4, seed=11)
    with pytest.raises(ConfigError, match="batch_size"):
        other.load_state_dict(state)
    with pytest.raises(ConfigError, match="missing"):
        make().load_state_dict({"position": 0})


def test_transform_uses_only_the_loader_generator():
    t = random_translate(2)
    torch.manual_seed(0)
    a = epoch(make(t))
    torch.manual_seed(1)  # the global RNG does not matter
    b = epoch(make(t))
    assert same(a, b)
    assert not same(a, epoch(make()))  # and the transform did something


def test_moves_tensors_to_device():
    loader = TensorLoader(*data(), batch_size=4, device="cpu")
    assert all(t.device.type == "cpu" for b in loader for t in b)
    if torch.cuda.is_available():
        loader = TensorLoader(*data(), batch_size=4, device="cuda", transform=random_translate(1))
        assert all(t.device.type == "cuda" for b in loader for t in b)
