"""Widths padded into one batched ensemble train exactly as the separate widths do; the
grouping minimises its cost model; bad widths are refused."""

from __future__ import annotations

import itertools

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.scale.ensemble import BatchedEnsemble
from learnlab.scale.padded_widths import (
    geometric_widths,
    group_widths,
    padded_members,
    relu_mlp,
    train_width_sweep,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _data(n=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 12, generator=g), torch.randint(0, 4, (n,), generator=g)


def test_padded_members_equal_their_own_width_trained_alone():
    x, y = _data()
    widths, seeds = [2, 5, 9], [12, 15, 19]
    build, masks = padded_members(12, widths, 4, seeds)
    padded = BatchedEnsemble(
        build, seeds, optimizer="momentum", lr=0.05, momentum=0.9, masks=masks
    ).fit(x, y, epochs=3, batch_size=50)
    for k, (w, s) in enumerate(zip(widths, seeds, strict=True)):
        alone = BatchedEnsemble(
            lambda w=w: relu_mlp(12, w, 4), [s], optimizer="momentum", lr=0.05, momentum=0.9
        ).fit(x, y, epochs=3, batch_size=50)
        torch.testing.assert_close(
            padded.predict_logits(x)[k], alone.predict_logits(x)[0], rtol=0, atol=1e-6
        )
        first = padded.params_["0.weight"][k]
        assert (first[w:] == 0).all()  # padded units stay exactly zero


def test_grouping_minimises_the_cost_model():
    widths = [2, 3, 7, 20, 60, 61, 300]
    overhead = 5000.0

    def cost(groups):
        return sum(overhead + len(g) * max(g) ** 2 for g in groups)

    best = min(
        cost([widths[i:j] for i, j in itertools.pairwise((0, *cuts, len(widths)))])
        for r in range(len(widths))
        for cuts in itertools.combinations(range(1, len(widths)), r)
    )
    groups = group_widths(widths, overhead)
    assert cost(groups) == best and sum(groups, []) == widths


def test_notebook_widths_and_the_sweep_reports_every_width():
    assert (
        geometric_widths(2, 300, 20)[:5] == [2, 3, 4, 5, 7]
        and len(geometric_widths(2, 300, 20)) == 19
    )
    x, y = _data(120)
    runs = train_width_sweep(x, y, x[:40], y[:40], [4, 1, 16], seed=0, epochs=1, batch_size=60)
    assert [r.width for r in runs] == [1, 4, 16]
    assert runs[0].parameters == 12 * 1 + 1 + 1 * 1 + 1 + 1 * 4 + 4
    assert all(0 <= r.test_error <= 1 for r in runs)


@pytest.mark.parametrize(("widths", "match"), [([], "widths is empty"), ([3, 0], "positive")])
def test_bad_widths_are_config_errors(widths, match):
    with pytest.raises(ConfigError, match=match):
        group_widths(widths)
