"""Workers in one gloo process group: each rank's result comes back in order, and a worker
that hangs or is killed ends the run with a WorkerFailed (exit 1) in bounded time, with no
process left running."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time

import pytest

from learnlab.scale.processes import WorkerFailed, run_on_processes


@pytest.fixture(autouse=True)
def no_process_left():
    yield
    assert multiprocessing.active_children() == []


def summed_ranks(rank: int, world_size: int, offset: int) -> tuple[int, int, int]:
    import torch
    import torch.distributed as dist

    total = torch.tensor([rank + offset])
    dist.all_reduce(total)  # the ranks really are one process group
    return rank, world_size, int(total)


def hangs(rank: int, world_size: int) -> None:
    time.sleep(60)


def rank_1_is_killed(rank: int, world_size: int) -> None:
    if rank == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)


def test_each_rank_s_result_comes_back_in_order():
    assert run_on_processes(summed_ranks, 3, (10,), timeout=60) == [
        (0, 3, 33),
        (1, 3, 33),
        (2, 3, 33),
    ]


def test_a_hanging_worker_is_stopped_at_the_timeout():
    start = time.monotonic()
    with pytest.raises(WorkerFailed, match="did not finish within 1 s") as error:
        run_on_processes(hangs, 2, timeout=1)
    assert error.value.exit_code == 1
    assert time.monotonic() - start < 20


def test_a_killed_worker_ends_the_run_naming_it():
    start = time.monotonic()
    with pytest.raises(WorkerFailed, match="worker 1 exited with code -9"):
        run_on_processes(rank_1_is_killed, 2, timeout=60)
    assert time.monotonic() - start < 20
