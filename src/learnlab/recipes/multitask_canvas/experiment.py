"""The multitask-canvas recipe's data and networks: MNIST digits on canvases, and one network
per method and seed, trained through `procedures.base.train_stage` and scored on the test
canvases (accuracy of the class head, mean IoU of the box head)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.multitask_canvas.config import MultitaskCanvasConfig

NUM_CLASSES = 10
# the tasks each method trains (both heads are scored only where they were trained)
METHOD_TASKS = {
    "class-only": ("class",),
    "box-only": ("box",),
    "average": ("class", "box"),
    "uncertainty": ("class", "box"),
}
HEAD_SIZES = {"class": NUM_CLASSES, "box": 4}


@dataclass(frozen=True)
class CanvasTask:
    """Canvases (N, 1, S, S) in [0, 1], labels (N,) and ink boxes (N, 4) as fractions of the
    canvas side (what the box head regresses), for training and test."""

    x_train: Tensor
    y_train: Tensor
    box_train: Tensor
    x_test: Tensor
    y_test: Tensor
    box_test: Tensor


def load_task(config: MultitaskCanvasConfig) -> CanvasTask:
    from learnlab.data import load_dataset
    from learnlab.data.canvas import digits_on_canvas

    ds = load_dataset("mnist", root=config.data_root, download=config.download)
    parts = []
    for split, limit, seed in (
        (ds.train, config.limit_train, config.seed),
        (ds.test, config.limit_test, config.seed + 1),
    ):
        canvases, boxes = digits_on_canvas(
            split.x[:limit].float().div(255), size=config.canvas, seed=seed
        )
        parts += [canvases, split.y[:limit].long(), boxes / config.canvas]
    return CanvasTask(*parts)


def network(config: MultitaskCanvasConfig, tasks: tuple[str, ...]) -> nn.Module:
    from learnlab.models.multi_head import MultiHeadCNN

    heads = {task: HEAD_SIZES[task] for task in tasks}
    shape = (1, config.canvas, config.canvas)
    return MultiHeadCNN(shape, heads, channels=config.channels, width=config.width)


@torch.no_grad()
def predict(model: nn.Module, x: Tensor, batch_size: int = 500) -> dict[str, Tensor]:
    model.eval()
    chunks = [model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return {name: torch.cat([c[name] for c in chunks]) for name in chunks[0]}


def train_network(
    config: MultitaskCanvasConfig, task: CanvasTask, method: str, seed: int
) -> dict[str, Any]:
    """One network of `method` from `seed`: its test accuracy and mean IoU (None for a head it
    does not have), the learned log-variances, and its test predictions."""
    from learnlab.data.loader import TensorLoader
    from learnlab.metrics.boxes import box_iou
    from learnlab.objectives.multitask import ClassAndBox
    from learnlab.procedures.base import Stage, train_stage

    start = time.perf_counter()
    tasks = METHOD_TASKS[method]
    torch.manual_seed(seed)
    model = network(config, ("class", "box"))  # both heads built: the same draws per seed
    model.heads = nn.ModuleDict({t: model.heads[t] for t in tasks})
    objective = ClassAndBox("uncertainty" if method == "uncertainty" else "average", tasks)
    loader = TensorLoader(
        task.x_train, task.y_train, task.box_train, batch_size=config.batch_size, seed=seed
    )
    stage = Stage(epochs=config.epochs, optimizer="adam", lr=config.lr)
    train_stage(model, objective, loader, stage, name=method)
    outputs = predict(model, task.x_test)
    run: dict[str, Any] = {"method": method, "seed": seed, "accuracy": None, "iou": None}
    if "class" in outputs:
        run["accuracy"] = float((outputs["class"].argmax(1) == task.y_test).double().mean())
    if "box" in outputs:
        run["iou"] = float(box_iou(outputs["box"], task.box_test).mean())
    if objective.log_variances is not None:
        learned = objective.log_variances.log_var.detach()
        run.update({f"log_var_{t}": float(s) for t, s in zip(tasks, learned, strict=True)})
    run["outputs"] = {name: value[: config.examples_shown] for name, value in outputs.items()}
    run["seconds"] = time.perf_counter() - start
    return run
