"""Measuring a deployed model: test accuracy, the size of its saved weights, and inference
latency compared side by side.

Latency is the median of `repeats` timed forward passes of the same batch, the models timed in
turn within each repeat (interleaved), so that a load change on a shared machine hits every
model alike; ratios of such medians are what can be compared, not the absolute times.

The size is that of what is actually written: `torch.save` of the state dict into a temporary
file (safetensors cannot hold the packed int8 parameters of a quantised model, so every model
is measured the same way); the file is deleted, never loaded.

Example:
    >>> model = torch.nn.Linear(100, 10)
    >>> saved_size_bytes(model) > 4 * 1010
    True
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import torch
from torch import Tensor, nn

from learnlab.io.errors import ConfigError


@torch.inference_mode()
def accuracy(model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 1000) -> float:
    """The fraction of `x` that `model` (put in eval mode) classifies as `y`."""
    model.eval()
    correct = 0
    for start in range(0, len(x), batch_size):
        logits = model(x[start : start + batch_size])
        correct += int((logits.argmax(1) == y[start : start + batch_size]).sum())
    return correct / max(1, len(x))


def saved_size_bytes(model: nn.Module) -> int:
    """The size in bytes of `torch.save(model.state_dict())`, written to a temporary file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.pt"
        torch.save(model.state_dict(), path)
        return path.stat().st_size


@torch.inference_mode()
def median_latencies(
    models: Mapping[str, nn.Module], x: Tensor, repeats: int = 30, warmup: int = 3
) -> dict[str, float]:
    """Per model, the median wall time in seconds of one forward pass of the batch `x`, the
    models timed in turn within each of `repeats` rounds (after `warmup` untimed rounds),
    each round starting with the next model."""
    if not models:
        raise ConfigError("median_latencies needs at least one model to time.")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"repeats must be a whole number >= 1 (e.g. 30), got {repeats!r}.")
    for model in models.values():
        model.eval()
    times = interleaved_times(models, x, repeats, warmup)
    return {name: statistics.median(values) for name, values in times.items()}


def interleaved_times(
    forwards: Mapping[str, Callable[[Tensor], object]], x: Tensor, repeats: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds of each forward on `x` in each of `repeats` rounds, after `warmup` untimed
    rounds; the forwards run in turn within a round, each round starting with the next one,
    so that no forward always runs first (colder caches) and a load change hits them all."""
    times: dict[str, list[float]] = {name: [] for name in forwards}
    names = list(forwards)
    for round_ in range(warmup + repeats):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            start = time.perf_counter()
            forwards[name](x)
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
    return times
