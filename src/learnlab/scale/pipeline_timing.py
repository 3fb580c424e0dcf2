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


@dataclass
class StageClock:
    """Timestamps of one stage's passes: (start, end) of each forward, and the starts and ends
    of the backward passes (paired in order: a stage runs one backward at a time)."""

    forward: list[tuple[float, float]] = field(default_factory=list)
    backward_starts: list[float] = field(default_factory=list)
    backward_ends: list[float] = field(default_factory=list)

    def backward(self) -> list[tuple[float, float]]:
        return list(zip(self.backward_starts, self.backward_ends, strict=False))

    def clear(self) -> None:
        self.forward.clear()
        self.backward_starts.clear()
        self.backward_ends.clear()


class _BackwardStarts(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, clock: StageClock) -> torch.Tensor:
        ctx.clock = clock
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        ctx.clock.backward_starts.append(time.perf_counter())
        return grad, None


class _BackwardEnds(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, anchor: torch.Tensor, clock: StageClock) -> torch.Tensor:
        ctx.clock = clock
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        ctx.clock.backward_ends.append(time.perf_counter())
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
        start = time.perf_counter()
        if torch.is_grad_enabled():
            x = _BackwardEnds.apply(x, self._anchor, self.clock)
        y = self.layers(x)
        if torch.is_grad_enabled():
            y = _BackwardStarts.apply(y, self.clock)
        self.clock.forward.append((start, time.perf_counter()))
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
    """The bubble of GPipe's schedule replayed with the measured durations (`forward[s][m]`,
    `backward[s][m]`: stage s, micro-batch m), as if each stage had a core of its own and
    messages were free: forwards in order, then backwards in order (torch's ScheduleGPipe),
    each pass starting when its stage is free and its input (or gradient) has arrived. With
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
