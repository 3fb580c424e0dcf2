"""What the parts share: MNIST as normalised tensors, a seeded Adam fit through the Trainer
(with a progress bar), batched prediction, and one progress bar over the steps of several fits
(the siamese and bilinear parts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.config import DataRecipeConfig, RecipeConfig, StrictModel
from learnlab.data import Split
from learnlab.train.events import Callback


def part_settings(config: StrictModel, shared: RecipeConfig) -> dict[str, Any]:
    """What a part ran with, for its config.json: the recipe's shared settings (seed, data,
    progress) and the part's own."""
    common = shared.model_dump(mode="json", include=set(DataRecipeConfig.model_fields))
    return {**common, **config.model_dump(mode="json")}


@dataclass
class ImageData:
    train: Split
    val: Split
    test: Split


def load_mnist(
    data_root: str | None, download: bool, *, val_size: int, limit_train: int | None, seed: int
) -> ImageData:
    """MNIST normalised to float32 (N, 1, 28, 28); `val_size` training images held out by a
    permutation of `seed`; the training split cut to `limit_train` if given."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset("mnist", root=data_root, download=download)

    def convert(split: Split) -> Split:
        return Split(normalize(split.x, scale=ds.scale, mean=ds.mean, std=ds.std), split.y)

    train, test = convert(ds.train), convert(ds.test)
    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))
    val = Split(train.x[order[:val_size]], train.y[order[:val_size]])
    rest = order[val_size:] if limit_train is None else order[val_size : val_size + limit_train]
    return ImageData(Split(train.x[rest], train.y[rest]), val, test)


def fit(
    model: nn.Module,
    objective,
    x: Tensor,
    y: Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    console=None,
    progress: bool = True,
) -> dict[str, float]:
    """Train with Adam (torch's fused kernel via build_optimizer); return the last epoch's
    record plus `seconds_per_step` (the Trainer's own clock: the training loop only)."""
    from learnlab.data import TensorLoader
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    optimizer = build_optimizer("adam", model.parameters(), lr=lr)
    callbacks = [ProgressBar(console)] if progress else []
    trainer = Trainer(model, objective, optimizer, callbacks=callbacks)
    loader = TensorLoader(x, y, batch_size=batch_size, seed=seed)
    history = trainer.fit(loader, epochs=epochs)
    return {**history[-1], "seconds_per_step": trainer.train_seconds / max(1, trainer.step)}


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 1000) -> Tensor:
    """The model's outputs on `x` in eval mode, batch by batch (the mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        return torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    finally:
        model.train(was_training)


class StepBar(Callback):
    """Advances a rich progress task by one per optimizer step, showing that step's loss; one
    bar can follow several Trainers in turn (the bilinear part's seven models)."""

    order = 90

    def __init__(self, progress, task) -> None:
        self.progress, self.task = progress, task

    def after_step(self, trainer) -> None:
        self.progress.update(self.task, advance=1, loss=f"{float(trainer.loss.detach()):.4f}")


@contextmanager
def step_bar(console, label: str, total: int) -> Iterator[list[Callback]]:
    """A progress bar of `total` optimizer steps on `console`; yields the callbacks to give each
    Trainer (none when console is None: no bar)."""
    if console is None:
        yield []
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield [StepBar(progress, progress.add_task(label, total=total, loss="-"))]
