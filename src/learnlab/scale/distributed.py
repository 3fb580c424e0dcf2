"""Data-parallel training on PyTorch's distributed engine: the process group that torchrun
(torch.distributed.run) sets up, rank queries, reductions, and the DistributedDataParallel
wrapping of a run's model.

A `learnlab train` whose environment holds torchrun's RANK and WORLD_SIZE (more than one
process) joins the group: gloo on the CPU, nccl on GPUs, with a timeout on every collective
($LEARNLAB_COLLECTIVE_TIMEOUT seconds, default 300), so a rank whose peer died fails instead
of waiting for ever.

`--batch-size` stays the global batch. Every rank draws the same epoch permutation (same
seed) and takes its share of each global batch (`TensorLoader(rank=, world_size=)`, shares
differing by at most one example). The gradient is weighted exactly: each rank's mean-loss
gradient is multiplied by (its examples / the global batch's) before DDP's all-reduce sums it
(`weighted_allreduce`), which gives the gradient of the global batch's mean loss for any
split, also when the batch does not divide by the number of ranks. A share may not be empty:
every global batch (the last, shorter one too) needs at least one example per rank.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import torch
import torch.distributed as dist
from torch import nn

from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective
from learnlab.scale.launch import RankFailed, collective_timeout

T = TypeVar("T")


def started_by_torchrun() -> bool:
    """Whether torchrun started this process as one of several (its RANK and WORLD_SIZE)."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def join() -> bool:
    """Join torchrun's process group if this process is one of several; whether it did."""
    if dist.is_initialized():
        return True
    if not started_by_torchrun():
        return False
    gpu = torch.cuda.is_available()
    if gpu:
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    timeout = collective_timeout()
    with collective_errors():
        dist.init_process_group("nccl" if gpu else "gloo", timeout=timedelta(seconds=timeout))
    return True


def leave() -> None:
    """Leave the process group (at the end of a run), if in one, once every rank is here.

    The ranks leave together: a rank that destroyed its gloo group and exited while a peer was
    still at work (the leader writing the run's report) aborted now and then in torch's
    teardown ("terminate called without an active exception", SIGABRT), and torchrun then
    stopped the leader half-way through its files."""
    if dist.is_initialized():
        with collective_errors():
            dist.barrier()
        dist.destroy_process_group()


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_leader() -> bool:
    """Rank 0, the one process that writes the run directory (True in a single process)."""
    return rank() == 0


def local_device(device: torch.device) -> torch.device:
    """A rank's own GPU (cuda:LOCAL_RANK) when the run is on GPUs; `device` otherwise."""
    if device.type == "cuda" and dist.is_initialized():
        return torch.device("cuda", torch.cuda.current_device())
    return device


@contextlib.contextmanager
def collective_errors() -> Iterator[None]:
    """A failed or timed-out collective (a peer died, joining the group failed) as a short
    RankFailed naming this rank, instead of a traceback."""
    try:
        yield
    except (dist.DistError, RuntimeError) as exc:
        if isinstance(exc, dist.DistError) or "gloo" in str(exc).lower() or "nccl" in str(exc):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise RankFailed(
                f"rank {rank()} of {world_size()}: a collective operation failed, most likely "
                f"because another rank ended or is unreachable ({first[:300]})."
            ) from None
        raise


def leader_value(make: Callable[[], T]) -> T:
    """`make()` called on rank 0 alone, its value sent to every rank (a run directory named
    after the time, say); a plain call in a single process."""
    if not dist.is_initialized():
        return make()
    holder = [make() if is_leader() else None]
    dist.broadcast_object_list(holder, src=0)
    return holder[0]


def _reduction_device() -> torch.device:
    if dist.is_initialized() and dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def sum_across_ranks(sums: dict[str, Any], count: int) -> tuple[dict[str, float], int]:
    """Per-rank sums (over examples) and example counts added up over all ranks, in float64
    (one all-reduce). Every rank must call it with the same keys in the same order."""
    names = list(sums)
    values = [float(sums[k]) for k in names] + [float(count)]
    packed = torch.tensor(values, dtype=torch.float64, device=_reduction_device())
    dist.all_reduce(packed)
    total = packed.tolist()
    return dict(zip(names, total[:-1], strict=True)), round(total[-1])


def shard_rows(x: torch.Tensor) -> torch.Tensor:
    """This rank's contiguous share of the rows of `x` (an evaluation split)."""
    return x.tensor_split(world_size())[rank()] if dist.is_initialized() else x


def whole_split(loader, x: torch.Tensor, y: torch.Tensor):
    """`loader` if it holds all of (x, y); else (a rank's share) a loader of all of it."""
    if loader.num_examples == len(x):
        return loader
    from learnlab.data.loader import TensorLoader

    return TensorLoader(x, y, batch_size=loader.batch_size, shuffle=False, device=loader.device)


@dataclass
class BatchShare:
    """This rank's share of the current global batch: the weight of its gradient."""

    weight: float = 1.0


def weighted_allreduce(share, bucket):  # unannotated: DDP checks real annotations
    """DDP communication hook: sum over ranks of (share of the batch x mean-loss gradient),
    the gradient of the global batch's mean loss (DDP's default divides by the rank count,
    exact only for equal shares)."""
    tensor = bucket.buffer()
    tensor.mul_(share.weight)
    work = dist.all_reduce(tensor, async_op=True)
    return work.get_future().then(lambda fut: fut.value()[0])


class DataParallelObjective(Objective):
    """`objective` computed through the DDP wrapper while training (so that backward
    all-reduces the gradients, weighted by this rank's share of the global batch, which the
    loader tells); evaluation calls the plain model (no communication)."""

    def __init__(self, objective: Objective, ddp: nn.Module, share: BatchShare, loader) -> None:
        self.inner, self.ddp, self.share, self.loader = objective, ddp, share, loader
        self.metric_names = getattr(objective, "metric_names", ())

    def extra_modules(self) -> list[nn.Module]:
        return self.inner.extra_modules()

    def batch_examples(self, batch: Any) -> int:
        return self.inner.batch_examples(batch)

    def __call__(self, model: nn.Module, batch: Any):
        through_ddp = model is self.ddp.module and model.training and torch.is_grad_enabled()
        if through_ddp:
            self.share.weight = self.inner.batch_examples(batch) / self.loader.global_examples
        return self.inner(self.ddp if through_ddp else model, batch)


def data_parallel(model: nn.Module, objective: Objective, loader) -> Objective:
    """Wrap `model` in DistributedDataParallel (rank 0's weights broadcast to all ranks) with
    the exactly weighted all-reduce; return the objective to train with. The Trainer keeps the
    plain model (checkpoints, evaluation). `loader`: the rank's TensorLoader of training data."""
    if objective.extra_modules():
        raise ConfigError(
            "this objective trains modules of its own besides the model, which multi-process "
            "training does not synchronise yet; train it in one process (drop --nproc)."
        )
    on_gpu = next(model.parameters()).device.type == "cuda"
    with collective_errors():
        ddp = nn.parallel.DistributedDataParallel(
            model, device_ids=[torch.cuda.current_device()] if on_gpu else None
        )
    share = BatchShare()
    ddp.register_comm_hook(share, weighted_allreduce)
    return DataParallelObjective(objective, ddp, share, loader)
