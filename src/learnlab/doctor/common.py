"""Helpers the checks share: working copies, seeded randomness, the default objective,
per-example losses and predictions.

Every check runs on a deep copy of the model, so the model handed to the doctor leaves it
exactly as it came: same weights, buffers (batch-norm statistics), gradients, train/eval mode
and `requires_grad` flags.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from learnlab.data.dataset import Split
from learnlab.objectives.base import Objective


def working_copy(model: nn.Module) -> nn.Module:
    """A deep copy to experiment on; gradients of the copy start empty."""
    clone = copy.deepcopy(model)
    for p in clone.parameters():
        p.grad = None
    return clone


def device_of(model: nn.Module) -> torch.device:
    first = next(iter(model.parameters()), None)
    return first.device if first is not None else torch.device("cpu")


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Run the block with torch's global generator (dropout draws from it) seeded to `seed`,
    and give the caller's generator state back afterwards."""
    devices = [device.index or 0] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run the block with one intra-op thread, then restore the count. For many tiny
    operations (hundreds of forward passes on 4 examples) threads only add synchronisation,
    and on a busy 2-core machine they stall: the gradient check of the mnist-cnn took 2.4 s
    with one thread against 5.7 s with two while other processes ran."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def sample(split: Split, count: int, seed: int) -> Split:
    """`count` examples of `split` drawn without replacement by a seeded permutation (all of
    them, in the same random order, when it has fewer)."""
    order = torch.randperm(len(split), generator=torch.Generator().manual_seed(seed))
    chosen = order[:count]
    return Split(split.x[chosen], split.y[chosen])


def indices(n: int, count: int, seed: int) -> Tensor:
    """`min(count, n)` distinct indices of range(n), seeded, sorted."""
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return order[:count].sort().values


def is_classification(y: Tensor) -> bool:
    """Integer targets are class labels; floating-point targets are regression values."""
    return not (y.is_floating_point() or y.is_complex())


def default_objective(y: Tensor) -> Objective:
    """Cross-entropy for integer labels, mean squared error for real-valued targets."""
    from learnlab.objectives.supervised import CrossEntropy, MeanSquaredError

    return CrossEntropy() if is_classification(y) else MeanSquaredError()


def predicted_classes(outputs: Tensor, y: Tensor) -> Tensor | None:
    """argmax over the last dimension when `outputs` are class scores for labels `y` (shape of
    `y` plus one dimension of classes); None when they are not."""
    if is_classification(y) and outputs.dim() == y.dim() + 1 and outputs.shape[:-1] == y.shape:
        return outputs.argmax(dim=-1)
    return None


def per_example_losses(
    objective: Objective, model: nn.Module, x: Tensor, y: Tensor, batch_size: int = 500
) -> tuple[Tensor, Tensor]:
    """(loss of each example, the model's outputs), without a graph.

    The supervised objectives' losses are computed for all examples at once (cross-entropy
    with the objective's label smoothing; squared error averaged over each example's outputs);
    any other objective is called on one example at a time, so its mean over a batch of one is
    that example's loss.
    """
    from learnlab.objectives.supervised import CrossEntropy, MeanSquaredError

    losses, outputs = [], []
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            out = model(xb)
            if isinstance(objective, CrossEntropy) and predicted_classes(out, yb) is not None:
                loss = F.cross_entropy(
                    out.movedim(-1, 1),
                    yb,
                    reduction="none",
                    label_smoothing=objective.label_smoothing,
                )
                loss = loss.reshape(len(yb), -1).mean(dim=1)
            elif isinstance(objective, MeanSquaredError):
                diff = out - yb.reshape(out.shape).to(out.dtype)
                loss = diff.pow(2).reshape(len(yb), -1).mean(dim=1)
            else:
                loss = torch.stack(
                    [objective(model, (xb[i : i + 1], yb[i : i + 1]))[0] for i in range(len(yb))]
                )
            losses.append(loss.detach().float())
            outputs.append(out.detach())
    return torch.cat(losses), torch.cat(outputs)
