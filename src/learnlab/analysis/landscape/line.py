"""The loss and the metrics along the straight line theta(a) = (1 - a) theta_0 + a theta_1
between two parameter sets, as Goodfellow, Vinyals & Saxe (2015), "Qualitatively
characterizing neural network optimization problems", draw it from the initialisation to the
solution (a < 0 and a > 1 extend the line past its ends); and the two numbers read off it: the
largest rise on the way from theta_0 to theta_1 (zero when the loss falls monotonically) and the
barrier between two solutions (the highest point minus the mean of the two ends).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from learnlab.analysis.base import preserved_model_state
from learnlab.analysis.landscape.checkpoint import GridCheckpoint, fingerprint
from learnlab.analysis.landscape.points import (
    BatchNormMode,
    State,
    batches_of,
    check_batch_norm,
    check_grid,
    check_state,
    evaluate,
    load_point,
    parameter_names,
    recompute_batch_norm,
    restored_weights,
)
from learnlab.io.errors import ConfigError
from learnlab.objectives.base import Objective, as_objective

DEFAULT_ALPHAS = tuple(i / 20 for i in range(21))


@dataclass(frozen=True)
class LineScan:
    """The objective along the line: `loss[i]` and `metrics[name][i]` at `alphas[i]`, each a
    mean over all the data given; `batch_norm` says whether the batch-norm statistics were
    the solution's ("frozen": those of theta_1) or recomputed at every point."""

    alphas: np.ndarray
    loss: np.ndarray
    metrics: Mapping[str, np.ndarray]
    batch_norm: str

    def largest_rise(self, metric: str = "loss") -> float:
        return largest_rise(self.alphas, self._values(metric))

    def barrier(self, metric: str = "loss") -> float:
        return barrier_height(self.alphas, self._values(metric))

    def _values(self, metric: str) -> np.ndarray:
        return self.loss if metric == "loss" else self.metrics[metric]


def _between(alphas: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The values at 0 <= a <= 1, which must include both ends."""
    alphas, values = np.asarray(alphas, dtype=float), np.asarray(values, dtype=float)
    if not (np.any(alphas == 0.0) and np.any(alphas == 1.0)):
        raise ConfigError("alphas must include 0 and 1 (the two ends of the path).")
    return values[(alphas >= 0) & (alphas <= 1)]


def largest_rise(alphas: Sequence[float], values: Sequence[float]) -> float:
    """The largest increase of `values` going from a = 0 to a = 1: max over a_i < a_j of
    v_j - v_i, and 0 when they never rise (a monotone fall)."""
    inside = _between(np.asarray(alphas), np.asarray(values))
    lowest_so_far = np.minimum.accumulate(inside)
    return float(max(0.0, np.max(inside - lowest_so_far)))


def barrier_height(alphas: Sequence[float], values: Sequence[float]) -> float:
    """The highest value between the ends minus the mean of the two ends (Frankle et al.
    2020's "error barrier"; 0 or less: no barrier)."""
    alphas, values = np.asarray(alphas, dtype=float), np.asarray(values, dtype=float)
    inside = _between(alphas, values)
    ends = (values[alphas == 0.0][0] + values[alphas == 1.0][0]) / 2
    return float(np.max(inside) - ends)


def linear_path(
    model: nn.Module,
    objective: Objective | Callable[..., Any],
    data: Any,
    start: State,
    end: State,
    *,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    batch_norm: BatchNormMode = "frozen",
    batch_norm_data: Any = None,
    checkpoint_path: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LineScan:
    """The objective over all of `data` (a batch, or a list or loader of batches) at
    (1 - a) start + a end for each a of `alphas` (increasing; may go below 0 and above 1).

    `start`, `end`: state dicts of `model`; parameters are interpolated, buffers are `end`'s.
    `batch_norm="recompute"` recomputes every batch-norm layer's statistics at each point from
    `batch_norm_data` (default `data`; give the training data); "frozen" keeps `end`'s.
    `checkpoint_path`: a JSON file of the finished points, written as each finishes; a call
    with the same path and scan reads them back and evaluates only the others.
    `progress(done, total)` is called after each point. The model is left as it came."""
    objective = as_objective(objective)
    check_batch_norm(batch_norm)
    names = parameter_names(model)
    first, last = check_state(model, start, "start"), check_state(model, end, "end")
    grid = check_grid(alphas, "alphas")
    batches = batches_of(data)
    statistics = batches
    if batch_norm_data is not None:
        statistics = batches_of(batch_norm_data, "batch_norm_data")
    spec = {
        "kind": "line",
        "alphas": grid,
        "batch_norm": batch_norm,
        "states": fingerprint([first, last]),
    }
    store = GridCheckpoint(checkpoint_path, spec)
    with preserved_model_state(model), restored_weights(model):
        for i, a in enumerate(grid):
            if store.get(str(i)) is None:
                point = {n: (1 - a) * first[n] + a * last[n] for n in names}
                load_point(model, point, last)
                if batch_norm == "recompute":
                    recompute_batch_norm(model, objective, statistics())
                store.put(str(i), evaluate(model, objective, batches()))
            if progress is not None:
                progress(i + 1, len(grid))
    values = [store.get(str(i)) for i in range(len(grid))]
    metrics = {k: np.array([v[k] for v in values]) for k in values[0] if k != "loss"}
    return LineScan(np.array(grid), np.array([v["loss"] for v in values]), metrics, batch_norm)
