"""When a pipeline stage computes, and the bubble: the share of a step a stage waits.

`TimedStage` wraps a stage's layers and records, on the clock every process shares
(time.perf_counter, CLOCK_MONOTONIC on Linux), when each micro-batch's forward and backward
pass began and ended. Backward passes are found by two identity autograd functions around the
layers: the one after them runs first in the backward pass (its start), the one before them
last (its end). On the first stage the input needs no gradient, so an `anchor` tensor that
does makes the autograd engine call the end marker there too.

A stage's idle time in a step is the step's wall time less the time it computed; the measured
bubble is that over the wall time, averaged over the stages. GPipe's theory (Huang et al.
2019), for S equal stages and M micro-batches, is (S - 1) / (M + S - 1).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn


def _now() -> tuple[float, float]:
    """(wall clock, this thread's CPU time): the CPU time leaves out the time the process
    waited for a core, which the wall clock counts (the autograd engine runs a CPU graph on
    the thread that calls backward, so one thread's time is the pass's)."""
    return time.perf_counter(), time.thread_time()


@dataclass
class StageClock:
    """When one stage's passes ran: (wall, CPU) at the start and end of each forward and each
    backward pass (paired in order: a stage runs one pass at a time)."""

    forward_starts: list[tuple[float, float]] = field(default_factory=list)
    forward_ends: list[tuple[float, float]] = field(default_factory=list)
    backward_starts: list[tuple[float, float]] = field(default_factory=list)
    backward_ends: list[tuple[float, float]] = field(default_factory=list)

    def forward(self) -> list[tuple[float, float]]:
        """(start, end) on the wall clock of each forward pass."""
        return _wall(self.forward_starts, self.forward_ends)

    def backward(self) -> list[tuple[float, float]]:
        return _wall(self.backward_starts, self.backward_ends)

    def forward_cpu(self) -> list[float]:
        """The CPU seconds of each forward pass."""
        return _cpu(self.forward_starts, self.forward_ends)

    def backward_cpu(self) -> list[float]:
        return _cpu(self.backward_starts, self.backward_ends)

    def clear(self) -> None:
        for times in (self.forward_starts, self.forward_ends):
            times.clear()
        for times in (self.backward_starts, self.backward_ends):
            times.clear()


def _wall(starts, ends) -> list[tuple[float, float]]:
    return [(a[0], b[0]) for a, b in zip(starts, ends, strict=False)]


def _cpu(starts, ends) -> list[float]:
    return [b[1] - a[1] for a, b in zip(starts, ends, strict=False)]


class _BackwardStarts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, clock: StageClock) -> torch.Tensor:
        ctx.clock = clock
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        ctx.clock.backward_starts.append(_now())
        return grad, None


class _BackwardEnds(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, anchor: torch.Tensor, clock: StageClock) -> torch.Tensor:
        ctx.clock = clock
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        ctx.clock.backward_ends.append(_now())
        return grad, None, None


class TimedStage(nn.Module):
    """`layers`, with the times of their forward and backward passes kept in `clock`. The
    parameters are those of `layers` under the same names prefixed by `layers.`."""

    def __init__(self, layers: nn.Module) -> None:
        super().__init__()
        self.layers = layers
        self.clock = StageClock()
        # not a parameter: it makes the end marker's output need a gradient on the first stage
        self._anchor = torch.zeros((), requires_grad=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.clock.forward_starts.append(_now())
        if torch.is_grad_enabled():
            x = _BackwardEnds.apply(x, self._anchor, self.clock)
        y = self.layers(x)
        if torch.is_grad_enabled():
            y = _BackwardStarts.apply(y, self.clock)
        self.clock.forward_ends.append(_now())
        return y


def busy_seconds(intervals: Sequence[tuple[float, float]], start: float, end: float) -> float:
    """Time within [start, end] covered by `intervals` (which do not overlap on one stage)."""
    return sum(max(0.0, min(b, end) - max(a, start)) for a, b in intervals)


def measured_bubble(
    stage_intervals: Sequence[Sequence[tuple[float, float]]], start: float, end: float
) -> list[float]:
    """Each stage's idle share of the step [start, end]: 1 - busy / wall."""
    wall = end - start
    return [1.0 - busy_seconds(intervals, start, end) / wall for intervals in stage_intervals]


def replayed_bubble(
    forward: Sequence[Sequence[float]], backward: Sequence[Sequence[float]]
) -> float:
    """The bubble of GPipe's schedule replayed with measured durations (`forward[s][m]`,
    `backward[s][m]`: stage s, micro-batch m; the pipeline gives each pass's CPU time), as if
    each stage had a core of its own and messages were free: forwards in order, then
    backwards in order (torch's ScheduleGPipe), each pass starting when its stage is free and
    its input (or gradient) has arrived. With
    equal durations it is the theory's (S - 1) / (M + S - 1); the measured bubble exceeds it
    by the time lost to messages and to processes waiting for a core."""
    stages, micro = len(forward), len(forward[0])
    free = [0.0] * stages
    arrived = [0.0] * micro  # when micro-batch m's activations (then gradients) are ready
    for s in range(stages):
        for m in range(micro):
            free[s] = arrived[m] = max(free[s], arrived[m]) + forward[s][m]
    for m in range(micro):
        for s in reversed(range(stages)):
            free[s] = arrived[m] = max(free[s], arrived[m]) + backward[s][m]
    span = max(free)
    busy = [sum(forward[s]) + sum(backward[s]) for s in range(stages)]
    return sum(1 - b / span for b in busy) / stages if span > 0 else 0.0


def theoretical_bubble(stages: int, micro_batches: int) -> float:
    """GPipe's bubble fraction (S - 1) / (M + S - 1): with S equal stages and M micro-batches,
    a stage idles S - 1 of the M + S - 1 slots of the forward pass (and of the backward)."""
    return (stages - 1) / (micro_batches + stages - 1)
