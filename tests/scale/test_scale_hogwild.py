"""learnlab.scale.hogwild: Hogwild workers on shared weights against the Trainer.

Oracles: with one worker, Hogwild is plain SGD with the Trainer's data order, bit for bit; with
two workers on the digits it reaches the synchronous run's accuracy within a tolerance, having
processed exactly as many examples. Failures: a worker that dies (a hard exit, an exception)
or runs past the time limit ends the run with WorkerFailed naming it, and no worker is left
running. Bad settings are ConfigErrors naming the argument.
"""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest
import torch
from torch import nn

from learnlab.data import load_dataset
from learnlab.io.errors import ConfigError
from learnlab.machine import usable_cores
from learnlab.models.mlp import MLP
from learnlab.scale.hogwild import (
    WorkerFailed,
    check_hogwild_settings,
    train_hogwild,
    train_synchronous,
)

SGD = {"lr": 0.1, "batch_size": 16, "seed": 3}


@pytest.fixture(scope="module")
def digits():
    ds = load_dataset("digits")
    to_float = lambda t: t.float().div(16)  # noqa: E731
    return to_float(ds.train.x), ds.train.y.long(), to_float(ds.test.x), ds.test.y.long()


def _mlp(seed: int = 0) -> MLP:
    torch.manual_seed(seed)
    return MLP(64, 10, depth=1, width=32)


def _accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).double().mean())


def test_one_worker_is_plain_sgd_with_the_trainers_data_order_bit_for_bit(digits):
    x, y, _, _ = digits
    synchronous, hogwild = _mlp(), _mlp()
    settings = {"epochs": 2, "snapshot_every": 500, "lr_decay": 0.7, **SGD}
    sync_trace = train_synchronous(synchronous, x, y, **settings)
    trace = train_hogwild(hogwild, x, y, workers=1, **settings)
    for name, weight in synchronous.state_dict().items():
        assert torch.equal(weight, hogwild.state_dict()[name]), name
    assert trace.examples == sync_trace.examples == 2 * len(x)
    assert trace.worker_examples == [2 * len(x)]
    # snapshots from the untrained weights to the final ones, every 500 examples or so
    assert trace.snapshots[0].examples == 0 and trace.snapshots[-1].examples == 2 * len(x)
    assert len(trace.snapshots) >= 5 and trace.losses and trace.cpu_seconds > 0
    final = trace.snapshots[-1].state
    assert all(torch.equal(final[k], v) for k, v in hogwild.state_dict().items())


def test_two_workers_reach_the_synchronous_accuracy_on_the_digits(digits):
    x, y, x_test, y_test = digits
    synchronous, hogwild = _mlp(), _mlp()
    sync_trace = train_synchronous(synchronous, x, y, epochs=4, **SGD)
    trace = train_hogwild(hogwild, x, y, workers=2, epochs=4, **SGD)
    # the two shards partition the data: as many examples as the synchronous run
    assert trace.examples == sync_trace.examples == 4 * len(x)
    assert sorted(trace.worker_examples) == [4 * (len(x) // 2), 4 * (len(x) - len(x) // 2)]
    sync_accuracy = _accuracy(synchronous, x_test, y_test)
    assert sync_accuracy > 0.85
    assert abs(_accuracy(hogwild, x_test, y_test) - sync_accuracy) < 0.02  # seen: <= 0.006
    # the workers wrote into the model's own (shared) tensors
    assert not torch.equal(hogwild.out.weight, _mlp().out.weight)


class ExitsInWorkers(nn.Module):
    """The digits MLP; in a worker process the first forward of the first worker to get there
    ends that process at once (a hard crash: no exception, no message)."""

    def __init__(self, claim: str) -> None:
        super().__init__()
        self.net, self.claim, self.parent = _mlp(), claim, os.getpid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if os.getpid() != self.parent:
            try:
                os.close(os.open(self.claim, os.O_CREAT | os.O_EXCL))
                os._exit(7)
            except FileExistsError:
                pass
        return self.net(x)


class RaisesInWorkers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net, self.parent = _mlp(), os.getpid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if os.getpid() != self.parent:
            raise RuntimeError("the forward pass broke")
        return self.net(x)


class SleepsInWorkers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net, self.parent = _mlp(), os.getpid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if os.getpid() != self.parent:
            time.sleep(0.2)
        return self.net(x)


def _fails(model: nn.Module, digits, timeout: float = 60.0) -> tuple[str, float]:
    """Train `model` with two workers for many epochs: the message and the seconds taken."""
    x, y, _, _ = digits
    started = time.perf_counter()
    with pytest.raises(WorkerFailed) as failure:
        train_hogwild(model, x, y, workers=2, epochs=500, timeout=timeout, **SGD)
    assert multiprocessing.active_children() == []  # no worker left running
    return str(failure.value), time.perf_counter() - started


def test_a_worker_that_dies_ends_the_run_naming_it_and_leaves_no_process(digits, tmp_path):
    message, seconds = _fails(ExitsInWorkers(str(tmp_path / "claim")), digits)
    assert "Hogwild worker" in message and "exit code 7" in message
    assert seconds < 30  # the other worker (500 epochs) was stopped, not waited for


def test_an_exception_in_a_worker_is_reported_with_its_traceback(digits):
    message, seconds = _fails(RaisesInWorkers(), digits)
    assert "Hogwild worker" in message and "the forward pass broke" in message
    assert seconds < 30


def test_workers_past_the_time_limit_are_stopped(digits):
    message, seconds = _fails(SleepsInWorkers(), digits, timeout=1.0)
    assert "time limit of 1 s" in message and "[0, 1]" in message
    assert seconds < 15


@pytest.mark.parametrize(
    ("workers", "lr", "argument"),
    [
        (0, 0.1, "workers"),
        (-1, 0.1, "workers"),
        (usable_cores() + 1, 0.1, "workers"),
        (1.5, 0.1, "workers"),
        (1, 0.0, "lr"),
        (1, -0.1, "lr"),
        (1, float("nan"), "lr"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_argument(workers, lr, argument, digits):
    with pytest.raises(ConfigError, match=rf"^{argument} must be"):
        check_hogwild_settings(workers, lr)
    x, y, _, _ = digits
    with pytest.raises(ConfigError, match=argument):
        train_hogwild(_mlp(), x, y, workers=workers, lr=lr, batch_size=16, epochs=1, seed=0)
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("lr_decay", [0.0, -0.5, 1.5])
def test_a_decay_outside_zero_one_is_a_config_error_naming_it(lr_decay, digits):
    x, y, _, _ = digits
    with pytest.raises(ConfigError, match="^lr_decay"):
        train_hogwild(_mlp(), x, y, workers=1, lr_decay=lr_decay, epochs=1, **SGD)


@pytest.mark.slow
@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
def test_other_start_methods_give_the_same_one_worker_run(digits, start_method):
    """Fork is the default for its start-up time only: spawned or forkserver workers (torch
    imported again in each, seconds) compute the same SGD."""
    x, y, _, _ = digits
    forked, other = _mlp(), _mlp()
    train_hogwild(forked, x, y, workers=1, epochs=1, start_method="fork", **SGD)
    train_hogwild(other, x, y, workers=1, epochs=1, start_method=start_method, **SGD)
    for name, weight in forked.state_dict().items():
        assert torch.equal(weight, other.state_dict()[name]), name
