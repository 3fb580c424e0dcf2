"""The pipeline-parallel recipe's computations: MNIST, the batches, the pipeline's tasks (the
training, then the timed steps at each micro-batch count) and the unsplit model's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from learnlab.recipes.pipeline_parallel.config import INPUT_SHAPE, PipelineParallelConfig

if TYPE_CHECKING:
    from torch import Tensor, nn


@dataclass(frozen=True)
class Data:
    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def load_data(config: PipelineParallelConfig) -> Data:
    """MNIST standardised by its training mean and deviation: the first `limit_train` training
    images (or the first `bubble_batch_size`, for the bubble's batch, if more), and the first
    `limit_test` test images."""
    from learnlab.data import load_dataset
    from learnlab.data.transforms import normalize

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    stats = {"scale": ds.scale, "mean": ds.mean, "std": ds.std}
    train = slice(0, max(config.limit_train, config.bubble_batch_size))
    test = slice(0, config.limit_test)
    return Data(
        normalize(ds.train.x[train], **stats),
        ds.train.y[train].long(),
        normalize(ds.test.x[test], **stats),
        ds.test.y[test].long(),
    )


def training_batches(config: PipelineParallelConfig, data: Data) -> list[tuple[Tensor, Tensor]]:
    """Every epoch's shuffled full batches of the first `limit_train` images (seeded)."""
    generator = torch.Generator().manual_seed(config.seed)
    batches = []
    for _ in range(config.epochs):
        order = torch.randperm(config.limit_train, generator=generator)
        whole = config.limit_train // config.batch_size * config.batch_size
        for indices in order[:whole].split(config.batch_size):
            batches.append((data.train_x[indices], data.train_y[indices]))
    return batches


def pipeline_runs(config: PipelineParallelConfig, model: nn.Module, data: Data):
    """The split, and the pipeline's runs: [training, one timed run per bubble count]."""
    from learnlab.scale.pipeline import PipelineTask, run_pipeline_tasks
    from learnlab.scale.stages import split_stages

    split = split_stages(model, config.stages, config.balance, INPUT_SHAPE)
    bubble = _bubble_batch(config, data)
    tasks = [PipelineTask(training_batches(config, data), config.micro_batches, config.lr)]
    tasks += [PipelineTask([bubble] * config.bubble_steps, m) for m in config.bubble_micro_batches]
    runs = run_pipeline_tasks(split, tasks, schedule=config.schedule, timeout=config.timeout)
    return split, runs


def _bubble_batch(config: PipelineParallelConfig, data: Data) -> tuple[Tensor, Tensor]:
    return data.train_x[: config.bubble_batch_size], data.train_y[: config.bubble_batch_size]


def train_unsplit(
    config: PipelineParallelConfig, model: nn.Module, data: Data
) -> tuple[list[float], dict[str, Tensor]]:
    """SGD on `model` itself (in this process) over the pipeline's batches: the losses, and
    the gradients of the first step (named as the model's layers in order)."""
    from learnlab.scale.stages import sequential_layers

    layers = sequential_layers(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=config.lr)
    losses, first = [], {}
    for x, y in training_batches(config, data):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        if not first:
            first = {n: p.grad.clone() for n, p in layers.named_parameters()}
        optimizer.step()
        losses.append(loss.item())
    return losses, first


def time_unsplit(
    config: PipelineParallelConfig, model: nn.Module, data: Data
) -> dict[int, list[float]]:
    """The wall time of the unsplit model's forward and backward pass on the bubble's batch
    in this process, on 1 thread and on as many threads as the pipeline has stages (the same
    cores): threads -> the seconds of `bubble_steps` steps after a warm-up."""
    x, y = _bubble_batch(config, data)
    before = torch.get_num_threads()
    seconds: dict[int, list[float]] = {}
    try:
        for threads in sorted({1, config.stages}):
            torch.set_num_threads(threads)
            seconds[threads] = []
            for _ in range(config.bubble_steps):
                model.zero_grad()
                start = time.perf_counter()
                F.cross_entropy(model(x), y).backward()
                seconds[threads].append(time.perf_counter() - start)
            seconds[threads] = seconds[threads][1:]
    finally:
        torch.set_num_threads(before)
        model.zero_grad()
    return seconds


def accuracy_of(config: PipelineParallelConfig, data: Data, weights: dict[str, Tensor]) -> float:
    """Test accuracy of the model with `weights` (named as the model or as its layers)."""
    from learnlab.scale.stages import sequential_layers

    model = config.build_model()
    layers = sequential_layers(model)
    target = layers if set(weights) == set(layers.state_dict()) else model
    target.load_state_dict(weights)
    with torch.no_grad():
        return (model(data.test_x).argmax(1) == data.test_y).float().mean().item()
