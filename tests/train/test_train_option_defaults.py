"""The option defaults that `learnlab describe` shows and `--dry-run` fills in are the ones a
run uses: an optimizer or schedule built with them given explicitly behaves exactly as one
built without them."""

from __future__ import annotations

import pytest
import torch

from learnlab.io.errors import ConfigError
from learnlab.train.optimizers import (
    OPTIMIZER_NAMES,
    build_optimizer,
    optimizer_option_defaults,
)
from learnlab.train.schedules import (
    SCHEDULE_NAMES,
    build_schedule,
    schedule_computed_defaults,
    schedule_option_defaults,
)


def _params():
    return [torch.nn.Parameter(torch.ones(3))]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_optimizer_defaults_given_explicitly_change_nothing(name):
    defaults = {k: v for k, v in optimizer_option_defaults(name).items() if v is not None}
    plain = build_optimizer(name, _params(), lr=0.1).param_groups[0]
    explicit = build_optimizer(name, _params(), lr=0.1, options=defaults).param_groups[0]
    assert {k: v for k, v in plain.items() if k != "params"} == {
        k: v for k, v in explicit.items() if k != "params"
    }


def test_optimizer_defaults_are_torchs():
    adam = optimizer_option_defaults("adam")
    assert adam == {"betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False}
    assert optimizer_option_defaults("lbfgs")["max_eval"] is None  # torch computes it
    assert optimizer_option_defaults("sgd") == {}


def _lrs(name: str, options: dict) -> list[float]:
    optimizer = torch.optim.SGD(_params(), lr=0.1, momentum=0.9)
    schedule = build_schedule(name, optimizer, total_steps=20, options=options)
    lrs = []
    for _ in range(20):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    return lrs


@pytest.mark.parametrize("name", SCHEDULE_NAMES)
def test_schedule_defaults_given_explicitly_change_nothing(name):
    computed = schedule_computed_defaults(name)
    defaults = {k: v for k, v in schedule_option_defaults(name).items() if k not in computed}
    assert _lrs(name, {}) == _lrs(name, defaults)


def test_computed_defaults_are_named_with_their_rule():
    assert schedule_option_defaults("linear") == {
        "tau": "total_steps",
        "final_fraction": 0.01,
        "warmup_steps": 0,
    }
    assert set(schedule_computed_defaults("onecycle")) == {"cycle_momentum"}


def test_unknown_options_suggest_the_closest():
    with pytest.raises(ConfigError, match="Did you mean 'betas'"):
        build_optimizer("adam", _params(), lr=0.1, options={"beta": (0.9, 0.9)})
    with pytest.raises(ConfigError, match="Did you mean 'tau'"):
        _lrs("linear", {"tua": 3})
