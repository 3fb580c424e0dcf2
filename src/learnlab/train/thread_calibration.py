"""Timing a training step at several thread counts, leaving the run exactly as it was.

`seconds_per_step(model, objective, optimizer, batch, counts)` copies the model and the
objective (one deepcopy) and the optimizer (its class over the copied parameters, with a copy
of its state), and times forward, backward and optimizer step on `batch` with
each thread count:

1. one warm-up step per count (the optimizer's state is created, the thread pool resized);
2. rounds that time one sample per count, in alternating order (so that a drift of the
   machine's load hits every count alike), a sample being as many steps (at that count's
   warm-up speed) as make `MIN_SAMPLE_SECONDS`; after the first round, only the counts within
   `OUT_OF_CONTENTION` times the quickest one are timed again (a count whose threads stall on
   a busy core can take a hundred times longer per step, and cannot win);
3. it stops once `budget` seconds have passed, or after `MIN_ROUNDS` rounds once every sample
   of the best count beats every sample of the others, after `MAX_ROUNDS` in any case.

The budget is at most `BUDGET_SECONDS`, and for a run of `run_steps` steps at most
`RUN_FRACTION` of the run's own length as the warm-up estimates it: a small model trained for
a few hundred steps would otherwise spend a tenth of its run choosing its threads. When the
warm-up alone spent the budget, the warm-up's timings are the answer.

Each count gets the median of its samples. The original model, objective and optimizer are
never touched, and the global random generators (dropout draws from them) and torch's thread
count are restored, so a run trains exactly as it would have without the timing.
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from learnlab.objectives.base import Objective, as_objective
from learnlab.train.optimizers import needs_closure
from learnlab.train.seeding import rng_state, set_rng_state

MIN_SAMPLE_SECONDS = 0.01
MAX_STEPS_PER_SAMPLE = 32
MIN_ROUNDS = 3
MAX_ROUNDS = 7
OUT_OF_CONTENTION = 3.0  # times the quickest count's first sample
BUDGET_SECONDS = 1.0
RUN_FRACTION = 0.02  # of the run's estimated length, at most, spent on timing


def seconds_per_step(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    optimizer: torch.optim.Optimizer,
    batch: Any,
    counts: Sequence[int],
    *,
    budget: float = BUDGET_SECONDS,
    run_steps: int | None = None,
) -> dict[int, float]:
    """Median seconds of one training step on `batch` with each thread count of `counts`,
    measured on copies, within `budget` seconds and a small part of a run of `run_steps`
    steps (see the module's docstring)."""
    saved_rng, saved_threads = rng_state(), torch.get_num_threads()
    try:
        step = _copied_step(model, as_objective(objective), optimizer, batch)
        return timed_rounds(step, list(counts), budget, run_steps)
    finally:
        torch.set_num_threads(saved_threads)
        set_rng_state(saved_rng)


def _copied_step(
    model: nn.Module, objective: Objective, optimizer: torch.optim.Optimizer, batch: Any
) -> Callable[[], None]:
    """One training step (as the Trainer takes it) of copies of the three, on `batch`."""
    model, objective, optimizer = _copies(model, objective, optimizer)
    model.train()
    parameters = [p for group in optimizer.param_groups for p in group["params"]]

    def loss(create_graph: bool = False) -> torch.Tensor:  # the closure contract of learnlab.optim
        for p in parameters:
            p.grad = None
        value = objective(model, batch)[0]
        value.backward(create_graph=create_graph)
        return value

    if needs_closure(optimizer):
        return lambda: optimizer.step(loss)

    def step() -> None:
        loss()
        optimizer.step()

    return step


def _copies(
    model: nn.Module, objective: Objective, optimizer: torch.optim.Optimizer
) -> tuple[nn.Module, Objective, torch.optim.Optimizer]:
    """Deep copies; the optimizer is built anew over the copied parameters (its class on
    its groups) and given a copy of its state, since not every optimizer survives a deepcopy
    (L-BFGS keeps a list of its parameters that deepcopy does not rebuild)."""
    memo: dict[int, object] = {}
    model_copy, objective_copy = copy.deepcopy((model, objective), memo)
    groups = [
        {**group, "params": [copy.deepcopy(p, memo) for p in group["params"]]}
        for group in optimizer.param_groups
    ]
    optimizer_copy = type(optimizer)(groups)
    optimizer_copy.load_state_dict(copy.deepcopy(optimizer.state_dict()))
    return model_copy, objective_copy, optimizer_copy


def timed_rounds(
    step: Callable[[], None], counts: list[int], budget: float, run_steps: int | None = None
) -> dict[int, float]:
    """Seconds per call of `step` at each thread count of `counts` (the rounds of the module's
    docstring)."""
    started = time.perf_counter()
    warm_up = {n: _time(step, n, 1) for n in counts}
    if run_steps is not None:  # the run's length at its quickest warm-up step bounds the budget
        budget = min(budget, RUN_FRACTION * run_steps * min(warm_up.values()))
    if time.perf_counter() - started >= budget:
        return warm_up
    # steps per sample, for each count: about MIN_SAMPLE_SECONDS whether a step is quick or slow
    repeat = {
        n: max(1, min(MAX_STEPS_PER_SAMPLE, math.ceil(MIN_SAMPLE_SECONDS / max(s, 1e-6))))
        for n, s in warm_up.items()
    }
    samples: dict[int, list[float]] = {n: [] for n in counts}
    timed = list(counts)
    for index in range(MAX_ROUNDS):
        for n in timed if index % 2 == 0 else timed[::-1]:
            samples[n].append(_time(step, n, repeat[n]) / repeat[n])
        if index == 0:  # a count far slower than the best cannot win: no more time on it
            quickest = min(values[0] for values in samples.values())
            timed = [n for n in counts if samples[n][0] <= OUT_OF_CONTENTION * quickest]
        if (
            len(timed) == 1
            or time.perf_counter() - started >= budget
            or (index + 1 >= MIN_ROUNDS and _clear_winner(samples, timed))
        ):
            break
    return {n: statistics.median(values) for n, values in samples.items()}


def _clear_winner(samples: dict[int, list[float]], timed: list[int]) -> bool:
    """Every sample of the count with the best median beats every sample of the others."""
    best = min(timed, key=lambda n: statistics.median(samples[n]))
    return all(max(samples[best]) < min(samples[n]) for n in timed if n != best)


def _time(step: Callable[[], None], threads: int, repeat: int) -> float:
    torch.set_num_threads(threads)
    started = time.perf_counter()
    for _ in range(repeat):
        step()
    return time.perf_counter() - started
