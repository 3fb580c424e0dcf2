"""ValidatedEnsemble (learnlab.analysis.validated_ensemble) against its oracle, BatchedEnsemble
(bit for bit after whole epochs, with masks); early stopping read from the recorded validation
losses; iterative magnitude pruning with its controls (learnlab.analysis.lottery)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from learnlab.analysis.lottery import (
    PruningData,
    PruningRound,
    control_rounds_at,
    iterative_magnitude_pruning,
    lenet_300_100,
)
from learnlab.analysis.pruning import layer_rates, magnitude_masks, remaining_after
from learnlab.analysis.validated_ensemble import ValidatedEnsemble
from learnlab.io.errors import ConfigError
from learnlab.scale.ensemble import BatchedEnsemble

SEEDS = [3, 1, 4]


def build() -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 3))


def blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centres = torch.randn(3, 12, generator=torch.Generator().manual_seed(99))
    return centres[y] + 1.5 * torch.randn(n, 12, generator=g), y


@pytest.fixture(scope="module")
def data() -> PruningData:
    return PruningData(*blobs(230, 0), *blobs(100, 1), *blobs(100, 2))


def masks_for(seeds):
    out = []
    for s in seeds:
        torch.manual_seed(s)
        out.append(magnitude_masks(build(), layer_rates(build(), 0.5, 0.3)))
    return out


def test_after_whole_epochs_it_equals_batched_ensemble_bit_for_bit(data):
    masks = masks_for(SEEDS)
    kw = {"optimizer": "adam", "lr": 0.01, "masks": masks, "device": "cpu"}
    oracle = BatchedEnsemble(build, SEEDS, **kw).fit(
        data.x_train, data.y_train, epochs=3, batch_size=50
    )
    ours = ValidatedEnsemble(build, SEEDS, **kw)
    # 230 examples, batch 50: 5 steps an epoch (the last one partial)
    curve = ours.fit_validated(
        data.x_train,
        data.y_train,
        data.x_val,
        data.y_val,
        iterations=15,
        batch_size=50,
        eval_every=4,
    )
    for name, p in oracle.params_.items():
        assert torch.equal(ours.params_[name], p), name
    for name, m in masks[0].items():
        assert bool((ours.params_[name][0][m == 0] == 0).all())
    assert curve.iterations.tolist() == [4, 8, 12, 15]
    assert curve.loss.shape == (4, 3)
    # early stopping: the first iteration of the minimum of each member's recorded losses
    expected = curve.iterations[np.argmin(curve.loss, axis=0)]
    assert curve.best_iteration.tolist() == expected.tolist()
    # the test accuracy at early stopping is that of the weights kept at the minimum
    best = ours.evaluate_best(data.x_test, data.y_test)["accuracy"]
    k = int(np.argmin(curve.best_iteration))
    at = int(curve.best_iteration[k])
    again = ValidatedEnsemble(build, SEEDS, **kw)
    again.fit_validated(
        data.x_train,
        data.y_train,
        data.x_val,
        data.y_val,
        iterations=at,
        batch_size=50,
        eval_every=at,
    )
    assert best[k] == again.evaluate(data.x_test, data.y_test)["accuracy"][k]


def test_members_start_from_given_weights_with_their_masks(data):
    states = [
        {n: torch.full_like(p, 0.01 * (k + 1)) for n, p in build().named_parameters()}
        for k in range(2)
    ]
    masks = masks_for([0, 0])
    # lr 1e-30: the weights move by less than their rounding: they stay where they started
    ens = ValidatedEnsemble(build, [0, 0], initial_states=states, masks=masks, lr=1e-30)
    ens.fit_validated(
        data.x_train,
        data.y_train,
        data.x_val,
        data.y_val,
        iterations=2,
        batch_size=50,
        eval_every=1,
        snapshot_at=1,
    )
    for k in range(2):
        for name, p in ens.params_.items():
            expected = states[k][name] * masks[k].get(name, 1)
            assert torch.equal(p[k], expected), name
            assert torch.equal(ens.snapshot_[name][k], expected)


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"iterations": 0}, "iterations"),
        ({"eval_every": 0}, "eval_every"),
        ({"snapshot_at": 9}, "snapshot_at"),
        ({"batch_size": -1}, "batch_size"),
    ],
)
def test_bad_training_settings_are_config_errors(data, settings, match):
    kw = {"iterations": 5, "batch_size": 50, "eval_every": 2} | settings
    with pytest.raises(ConfigError, match=match):
        ValidatedEnsemble(build, [0]).fit_validated(
            data.x_train, data.y_train, data.x_val, data.y_val, **kw
        )


def test_iterative_pruning_reports_every_level_and_control(data):
    sweep = iterative_magnitude_pruning(
        build, data, [0, 1], rounds=2, iterations=10, eval_every=5, batch_size=50, lr=0.01
    )
    rates = layer_rates(build())
    assert [r.remaining for r in sweep.rounds] == pytest.approx(
        [remaining_after(build(), rates, r) for r in range(3)]
    )
    assert sweep.controls == ("ticket", "random reinit", "random pruning")
    assert sweep.rounds[0].test_accuracy.shape == (1, 2)  # the dense network, once
    for r in sweep.rounds[1:]:
        assert r.test_accuracy.shape == r.early_stop_iteration.shape == (3, 2)
        assert set(r.early_stop_iteration.flatten()) <= {5, 10}
        assert r.val_loss.shape == (3, 2, 2)
    # the masks of the last round: two rounds of 20% (10% for the output layer), exactly
    counts = [int(m.sum()) for m in sweep.masks[0].values()]
    assert counts == [192 - 38 - 31, 48 - 5 - 4]  # round(0.2 * 192) = 38, then 31
    # the same seeds give the same numbers; late rewinding changes the tickets
    again = iterative_magnitude_pruning(
        build, data, [0, 1], rounds=2, iterations=10, eval_every=5, batch_size=50, lr=0.01
    )
    assert np.array_equal(again.rounds[2].val_loss, sweep.rounds[2].val_loss)
    late = iterative_magnitude_pruning(
        build,
        data,
        [0, 1],
        rounds=1,
        iterations=10,
        eval_every=5,
        batch_size=50,
        lr=0.01,
        rewind_iteration=3,
        controls=False,
    )
    assert late.rounds[1].test_accuracy.shape == (1, 2)
    assert not np.array_equal(late.rounds[1].val_loss[0], sweep.rounds[1].val_loss[0])


def test_controls_train_only_at_the_given_rounds_and_the_tickets_do_not_change(data):
    kw = {"rounds": 3, "iterations": 10, "eval_every": 5, "batch_size": 50, "lr": 0.01}
    every = iterative_magnitude_pruning(build, data, [0, 1], **kw)
    some = iterative_magnitude_pruning(build, data, [0, 1], control_rounds=[2], **kw)
    assert some.controls == every.controls
    assert [len(r.test_accuracy) for r in some.rounds] == [1, 1, 3, 1]
    assert [len(r.test_accuracy) for r in every.rounds] == [1, 3, 3, 3]
    # the members of a batched ensemble train independently: the same tickets, masks and,
    # at round 2, the same controls
    for a, b in zip(some.rounds, every.rounds, strict=True):
        assert np.array_equal(a.val_loss[0], b.val_loss[0])
    assert np.array_equal(some.rounds[2].val_loss, every.rounds[2].val_loss)
    for a, b in zip(some.masks, every.masks, strict=True):
        assert all(torch.equal(a[name], b[name]) for name in a)


def test_control_rounds_at_picks_the_rounds_closest_to_the_papers_levels():
    levels = [51.3, 21.1, 13.5, 7.0, 3.6]
    assert control_rounds_at(lenet_300_100, levels, 15) == (3, 7, 9, 12, 15)
    assert control_rounds_at(lenet_300_100, [3.6, 7.0, 7.1], 15) == (12, 15)
    assert control_rounds_at(lenet_300_100, levels, 2) == (2,)  # the closest of rounds 1, 2
    assert control_rounds_at(lenet_300_100, levels, 0) == ()
    with pytest.raises(ConfigError, match="levels"):
        control_rounds_at(lenet_300_100, [0.0], 15)
    with pytest.raises(ConfigError, match="levels"):
        control_rounds_at(lenet_300_100, [120.0], 15)


@pytest.mark.parametrize("rounds", [[0], [4], [1.5], [True]])
def test_control_rounds_outside_one_to_rounds_are_config_errors(data, rounds):
    with pytest.raises(ConfigError, match="control_rounds"):
        iterative_magnitude_pruning(
            build, data, [0], rounds=3, iterations=10, eval_every=5, control_rounds=rounds
        )


def test_an_early_stop_at_the_iteration_cap_is_censored():
    stops = np.array([[10, 20, 20], [5, 15, 20]])
    round_ = PruningRound(
        round=1,
        remaining=0.8,
        early_stop_iteration=stops,
        test_accuracy=np.zeros((2, 3)),
        final_test_accuracy=np.zeros((2, 3)),
        val_loss=np.zeros((2, 3, 4)),
        eval_iterations=np.array([5, 10, 15, 20]),
    )
    assert round_.censored.tolist() == [[False, True, True], [False, False, True]]


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"rate": 1.0}, "rate"),
        ({"output_rate": 0.0}, "output_rate"),
        ({"rewind_iteration": 11}, "rewind_iteration"),
        ({"rounds": -1}, "rounds"),
    ],
)
def test_bad_pruning_settings_are_config_errors(data, settings, match):
    kw = {"rounds": 1, "iterations": 10, "eval_every": 5} | settings
    with pytest.raises(ConfigError, match=match):
        iterative_magnitude_pruning(build, data, [0], **kw)


def test_lenet_300_100_has_glorot_normal_weights_and_zero_biases():
    torch.manual_seed(0)
    model = lenet_300_100()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(784, 300), (300, 100), (100, 10)]
    for m in linears[:2]:
        expected = (2 / (m.in_features + m.out_features)) ** 0.5
        assert m.weight.std().item() == pytest.approx(expected, rel=0.02)
        assert m.weight.mean().abs().item() < 0.01 * expected * 10
        assert bool((m.bias == 0).all())
