"""The ranks of a process group leave it together: `leave()` returns on no rank before every
rank has called it. A rank that destroyed its gloo group and exited while a peer still worked
aborted now and then in torch's teardown (SIGABRT, "terminate called without an active
exception"; 5 of 90 two-process runs of a 15-line torch script on a loaded machine), and
torchrun then stopped the leader in the middle of writing its run."""

from __future__ import annotations

import time

from learnlab.scale.processes import run_on_processes


def leaves_while_rank_0_works(rank: int, world_size: int) -> tuple[float, float, bool]:
    import torch.distributed as dist

    from learnlab.scale.distributed import leave

    if rank == 0:
        time.sleep(1.5)  # the leader still writing its report
    called = time.time()
    leave()
    return called, time.time(), dist.is_initialized()


def test_no_rank_leaves_before_the_last_one_arrives():
    (called_0, left_0, in_group_0), (called_1, left_1, in_group_1) = run_on_processes(
        leaves_while_rank_0_works, 2, timeout=60
    )
    # rank 1 arrives while rank 0 still works (1.5 s), and no rank leaves before both arrived
    assert max(called_0, called_1) <= min(left_0, left_1)
    assert not in_group_0 and not in_group_1  # both left the group


def test_leave_outside_a_process_group_does_nothing():
    import torch.distributed as dist

    from learnlab.scale.distributed import leave

    assert not dist.is_initialized()
    leave()
    assert not dist.is_initialized()
