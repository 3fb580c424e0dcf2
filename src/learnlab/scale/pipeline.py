"""Pipeline (model) parallelism: a model cut into stages, each stage on its own process, a
batch cut into micro-batches that flow through the stages one after another.

GPipe: Huang, Cheng, Bapna, Firat, Chen, Chen, Lee, Ngiam, Le, Wu, Chen (2019), "GPipe:
efficient training of giant neural networks using pipeline parallelism" (NeurIPS). Stage k
computes micro-batch m's forward pass while stage k + 1 computes micro-batch m - 1's; the
backward passes run in reverse; the gradients of the micro-batches add up before one update,
so a step equals the unsplit model's step on the whole batch. With S stages and M micro-batches
each stage idles (S - 1) / (M + S - 1) of the step: the bubble, which more micro-batches shrink.

The engine is PyTorch's: torch.distributed.pipelining's PipelineStage with ScheduleGPipe (or
Schedule1F1B), on the gloo backend, which works on the CPU (checked against torch 2.13: outputs
and gradients equal the unsplit model's). Each stage runs on a process of
`learnlab.scale.processes`; the loss of a micro-batch is its summed cross-entropy over the
whole batch's size, so the micro-batches' gradients add up to the batch mean's gradient for any
micro-batch sizes (the schedule's own scaling, which assumes equal sizes, is off).

Example (two stages, four micro-batches, the outputs and gradients of one step):
    >>> run = run_pipeline(model, [(x, y)], stages=2, micro_batches=4)  # doctest: +SKIP
    >>> run.outputs.shape, sorted(run.gradients)  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from learnlab.io.errors import ConfigError
from learnlab.scale.pipeline_timing import measured_bubble, replayed_bubble, theoretical_bubble
from learnlab.scale.stages import split_stages

if TYPE_CHECKING:
    from torch import Tensor, nn

SCHEDULES: tuple[str, ...] = ("gpipe", "1f1b")


@dataclass(frozen=True)
class PipelineTask:
    """Steps to run on the pipeline: one per (inputs, targets) batch, each cut into
    `micro_batches`; after each step SGD with `lr` updates the weights (0: no update)."""

    batches: Sequence[tuple[Tensor, Tensor]]
    micro_batches: int
    lr: float = 0.0


@dataclass(frozen=True)
class StepTiming:
    """One step: its wall time (first stage's start to last stage's end), each stage's idle
    share of it, and the bubble of GPipe's schedule replayed with the CPU time of each
    measured pass (`pipeline_timing.replayed_bubble`: one core per stage, free messages)."""

    micro_batches: int
    seconds: float
    stage_bubble: list[float]
    replayed_bubble: float

    @property
    def bubble(self) -> float:
        return sum(self.stage_bubble) / len(self.stage_bubble)


@dataclass
class PipelineRun:
    """What a task gave: the outputs and the gradients of its first step (before its update),
    the mean loss of each step, the weights after its last step, the timing of each step."""

    outputs: Tensor
    gradients: dict[str, Tensor]
    losses: list[float]
    weights: dict[str, Tensor]
    steps: list[StepTiming] = field(default_factory=list)

    def theoretical_bubble(self, stages: int) -> float:
        return theoretical_bubble(stages, self.steps[0].micro_batches)


def run_pipeline(
    model: nn.Module | Sequence[nn.Module],
    batches: Sequence[tuple[Tensor, Tensor]],
    *,
    stages: int,
    micro_batches: int,
    lr: float = 0.0,
    balance: str = "parameters",
    input_shape: tuple[int, ...] | None = None,
    schedule: str = "gpipe",
    timeout: float = 120.0,
) -> PipelineRun:
    """Train (or, with lr=0, only differentiate) `model` split into `stages` balanced stages
    (`learnlab.scale.stages`), one step per batch of `batches`, each cut into `micro_batches`.
    `model` itself is left as it was."""
    parts = split_stages(model, stages, balance, input_shape)
    task = PipelineTask(batches, micro_batches, lr)
    return run_pipeline_tasks(parts, [task], schedule=schedule, timeout=timeout)[0]


def run_pipeline_tasks(
    stages: Sequence[nn.Module],
    tasks: Sequence[PipelineTask],
    *,
    schedule: str = "gpipe",
    timeout: float = 120.0,
) -> list[PipelineRun]:
    """Run `tasks` in turn on one pipeline of `stages` (copies: `stages` are left as they
    were; a task's updates carry over to the next), one process per stage."""
    # imported here, once: the forked workers inherit it (its import takes seconds)
    import torch.distributed.pipelining  # noqa: F401

    from learnlab.scale.processes import run_on_processes

    check_schedule(schedule)
    if not stages:
        raise ConfigError("stages must list at least 1 stage module.")
    for task in tasks:
        for x, _ in task.batches:
            check_micro_batches(task.micro_batches, len(x))
        if schedule == "1f1b" and task.micro_batches < len(stages):
            raise ConfigError(
                f"micro_batches={task.micro_batches} is fewer than the {len(stages)} stages, "
                "which the 1F1B schedule needs at least (one micro-batch in flight per "
                f"stage). Choose micro_batches >= {len(stages)}, or schedule='gpipe'."
            )
    per_rank = run_on_processes(
        _stage_worker, len(stages), (list(stages), list(tasks), schedule), timeout
    )
    return [_merged([rank[t] for rank in per_rank]) for t in range(len(tasks))]


def _merged(ranks: list[dict[str, Any]]) -> PipelineRun:
    last = ranks[-1]
    m = last["micro_batches"]
    timings = []
    for step in range(len(last["steps"])):
        records = [rank["steps"][step] for rank in ranks]
        start, end = min(r[0] for r in records), max(r[1] for r in records)
        bubble = measured_bubble([r[2] for r in records], start, end)
        forward, backward = [r[3] for r in records], [r[4] for r in records]
        counts = {len(passes) for passes in forward + backward}
        # the first step may also hold the passes that infer the stages' shapes: no replay
        replayed = replayed_bubble(forward, backward) if counts == {m} else math.nan
        timings.append(StepTiming(m, end - start, bubble, replayed))
    gradients, weights = {}, {}
    for rank in ranks:
        gradients |= rank["gradients"]
        weights |= rank["weights"]
    return PipelineRun(last["outputs"], gradients, last["losses"], weights, timings)


def _stage_worker(
    rank: int, world_size: int, stages: list[nn.Module], tasks: list[PipelineTask], schedule: str
) -> list[dict[str, Any]]:
    """One stage's part of every task (run on its own process by run_on_processes)."""
    import copy

    import torch

    from learnlab.scale.pipeline_timing import TimedStage

    # a copy: a spawned worker shares the parent's tensors, which updates must leave alone
    timed = TimedStage(copy.deepcopy(stages[rank]))
    parameters = list(timed.layers.parameters())  # a stage of activations may have none
    optimizer = torch.optim.SGD(parameters, lr=0.0) if parameters else None
    return [_stage_task(rank, world_size, timed, optimizer, task, schedule) for task in tasks]


def _stage_task(rank, world_size, timed, optimizer, task: PipelineTask, schedule: str) -> dict:
    import time

    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.distributed.pipelining import PipelineStage, Schedule1F1B, ScheduleGPipe

    batch_size = [1]  # the current batch's, which each micro-batch's loss divides by

    def loss_fn(output: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(output, target, reduction="sum") / batch_size[0]

    stage = PipelineStage(timed, rank, world_size, torch.device("cpu"))
    kind = ScheduleGPipe if schedule == "gpipe" else Schedule1F1B
    runner = kind(stage, n_microbatches=task.micro_batches, loss_fn=loss_fn, scale_grads=False)
    for group in optimizer.param_groups if optimizer else []:
        group["lr"] = task.lr
    first, last = rank == 0, rank == world_size - 1
    record: dict[str, Any] = {"micro_batches": task.micro_batches, "steps": [], "losses": []}
    for step, (x, y) in enumerate(task.batches):
        batch_size[0] = len(x)
        timed.layers.zero_grad(set_to_none=False)
        losses: list[Tensor] = []
        dist.barrier()
        timed.clock.clear()
        start = time.perf_counter()
        inputs = (x,) if first else ()
        targets = {"target": y, "losses": losses} if last else {}
        outputs = runner.step(*inputs, **targets)
        end = time.perf_counter()
        clock = timed.clock
        passes = sorted(clock.forward() + clock.backward())
        record["steps"].append((start, end, passes, clock.forward_cpu(), clock.backward_cpu()))
        if last:
            record["losses"].append(float(sum(loss.item() for loss in losses)))
        if step == 0:
            record["outputs"] = outputs.detach().clone() if last else None
            record["gradients"] = _named(timed.layers, gradients=True)
        if task.lr and optimizer:
            optimizer.step()
    record["weights"] = _named(timed.layers, gradients=False)
    return record


def _named(layers: nn.Module, *, gradients: bool) -> dict[str, Tensor]:
    return {
        name: (p.grad if gradients else p).detach().clone()
        for name, p in layers.named_parameters()
        if not gradients or p.grad is not None
    }


def check_micro_batches(micro_batches: object, batch_size: int) -> int:
    if (
        isinstance(micro_batches, bool)
        or not isinstance(micro_batches, int)
        or not 1 <= micro_batches <= batch_size
        or batch_size % micro_batches
    ):
        divisors = [m for m in range(1, batch_size + 1) if batch_size % m == 0]
        raise ConfigError(
            f"micro_batches={micro_batches!r} is not allowed for a batch of {batch_size}: a "
            f"pipeline cuts each batch into 1 to {batch_size} micro-batches of equal size "
            "(torch.distributed.pipelining sizes its buffers by the first). Choose "
            f"micro_batches among {_listed(divisors)}, or a batch size it divides."
        )
    return micro_batches


def _listed(values: list[int]) -> str:
    return ", ".join(map(str, values)) if len(values) <= 12 else f"{values[:12]}..."[1:]


def check_schedule(schedule: object) -> str:
    if schedule not in SCHEDULES:
        raise ConfigError(
            f"schedule={schedule!r} is not a pipeline schedule; choose one of "
            f"{', '.join(SCHEDULES)} (GPipe: all forwards, then all backwards; 1F1B: "
            "alternating)."
        )
    return str(schedule)
