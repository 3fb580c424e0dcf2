"""What every part that trains a model shares: training it with the Trainer, its test
reconstruction error, and its Result (weights, history, summary keys prefixed with its name).

Each model is trained from `torch.manual_seed(seed)` with its own seeded loader and objective
generators, so a part's numbers do not depend on which parts ran before it (or were read back
on --resume).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from learnlab.recipes.autoencoders.config import (
    INPUT_SHAPE,
    NAME,
    AutoencodersConfig,
    ModelSpec,
)
from learnlab.result import Result, SavedModel

if TYPE_CHECKING:
    from rich.console import Console
    from torch import Tensor, nn

    from learnlab.objectives.base import Objective

EVAL_BATCH = 1000  # test images per forward pass in evaluation


@dataclass
class Trained:
    """A trained model (on the CPU, in eval mode), its per-epoch history and training time."""

    model: nn.Module
    history: list[dict[str, Any]]
    seconds: float


def train(
    spec: ModelSpec,
    objective: Objective,
    config: AutoencodersConfig,
    x_train: Tensor,
    console: Console,
) -> Trained:
    """Train `spec`'s model from the seed with Adam (on CUDA when present). Evaluation, probes
    and figures then run on the CPU: they take seconds, and the CPU's seeded generators give
    the same numbers everywhere."""
    import torch

    from learnlab.data.loader import TensorLoader
    from learnlab.models import build_model
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.seeding import select_device
    from learnlab.train.trainer import Trainer

    device = select_device("auto")
    torch.manual_seed(config.seed)
    model = build_model(spec.name, tuple(x_train.shape[1:]), 1, **spec.options).to(device)
    optimizer = build_optimizer("adam", model.parameters(), lr=config.lr)
    callbacks = [ProgressBar(console)] if config.progress else []
    trainer = Trainer(model, objective, optimizer, callbacks=callbacks)
    loader = TensorLoader(x_train, batch_size=config.batch_size, seed=config.seed, device=device)
    history = trainer.fit(loader, epochs=spec.epochs)
    return Trained(model.cpu().eval(), history, trainer.train_seconds)


def batched(
    function: Callable[[Tensor], Tensor], x: Tensor, batch_size: int = EVAL_BATCH
) -> Tensor:
    """`function` over `x` in slices of `batch_size`, concatenated."""
    import torch

    return torch.cat([function(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])


def reconstruction_metrics(model: nn.Module, x_test: Tensor) -> dict[str, float]:
    """Mean test MSE per pixel (of the sigmoid of the logits) and Bernoulli cross-entropy in
    nats per image."""
    import torch

    from learnlab.objectives.reconstruction import bernoulli_nats, squared_error

    with torch.no_grad():
        logits = batched(model, x_test)
        return {
            "test_mse": float(squared_error(torch.sigmoid(logits), x_test).mean()),
            "test_bce_nats": float(bernoulli_nats(logits, x_test).mean()),
        }


def part_result(
    kind: str,
    spec: ModelSpec,
    trained: Trained,
    metrics: dict[str, float],
    scale: float,
    note: str,
) -> Result:
    """The Result of the part that trained `kind`: its test metrics and training time as
    `<kind>_...` summary keys, the history, and the weights as model.safetensors (with what
    `learnlab.models.saved.load_model` needs to rebuild the model)."""
    summary = {f"{kind}_{key}": value for key, value in metrics.items()}
    summary[f"{kind}_train_seconds"] = trained.seconds
    info = {
        "model": spec.name,
        "options": spec.options,
        "input_shape": list(INPUT_SHAPE),
        "num_outputs": 1,
        "dataset": "mnist",
        "scale": scale,
        "mean": 0.0,
        "std": 1.0,
    }
    return Result(
        kind=NAME,
        title=f"{NAME}: {kind} ({spec.name}, {spec.epochs} epochs)",
        summary=summary,
        notes=[note],
        history=trained.history,
        config={"model": spec.name, "options": spec.options, "epochs": spec.epochs},
        models={"model": SavedModel(trained.model, info)},
    )
