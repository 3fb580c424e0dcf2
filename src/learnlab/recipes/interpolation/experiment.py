"""The steps of the interpolation recipe: MNIST as tensors, a ReLU MLP trained by SGD from a
seed (its initial and final weights kept in the run directory, so `--resume` trains no seed
twice), and the scans of learnlab.analysis.landscape over it (each resuming from its own
checkpoint file in the run directory)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from learnlab.recipes.interpolation.config import InterpolationConfig
from learnlab.result import Result

SCANS_FOLDER = "landscape"


@dataclass
class Mnist:
    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def load_mnist(config: InterpolationConfig) -> Mnist:
    """MNIST normalised to float32 (N, 1, 28, 28); the training set cut to `limit_train`."""
    from learnlab.data import load_dataset, normalize

    ds = load_dataset("mnist", root=config.data_root, download=config.download)

    def scaled(x: Tensor) -> Tensor:
        return normalize(x, scale=ds.scale, mean=ds.mean, std=ds.std)

    limit = config.limit_train or len(ds.train)
    return Mnist(scaled(ds.train.x[:limit]), ds.train.y[:limit], scaled(ds.test.x), ds.test.y)


def build(config: InterpolationConfig, seed: int) -> nn.Module:
    from learnlab.models import build_model

    torch.manual_seed(seed)
    return build_model("mlp", (1, 28, 28), 10, depth=config.depth, width=config.width)


@dataclass
class Solution:
    """A seed's initial and trained weights (state dicts)."""

    seed: int
    initial: dict[str, Tensor]
    final: dict[str, Tensor]


def weights_path(run_dir: Path, seed: int) -> Path:
    return run_dir / "weights" / f"seed-{seed}.safetensors"


def train_seed(
    config: InterpolationConfig, data: Mnist, seed: int, run_dir: Path, console
) -> Result:
    """Train the MLP of `seed` with SGD and momentum, write its initial and final weights
    (`weights_path`) and return what training took (a part of the run: `--resume` reads it
    back instead of training again)."""
    from learnlab.data import TensorLoader
    from learnlab.objectives.supervised import CrossEntropy
    from learnlab.train.callbacks.progress import ProgressBar
    from learnlab.train.optimizers import build_optimizer
    from learnlab.train.trainer import Trainer

    model = build(config, seed)
    initial = {k: v.detach().clone() for k, v in model.state_dict().items()}
    optimizer = build_optimizer(
        "momentum", model.parameters(), lr=config.lr, momentum=config.momentum
    )
    callbacks = [ProgressBar(console)] if config.progress else []
    trainer = Trainer(model, CrossEntropy(), optimizer, callbacks=callbacks)
    loader = TensorLoader(data.train_x, data.train_y, batch_size=config.batch_size, seed=seed)
    history = trainer.fit(loader, epochs=config.epochs)
    _write(weights_path(run_dir, seed), Solution(seed, initial, dict(model.state_dict())))
    return Result(
        kind="interpolation/seed",
        title=f"interpolation: the MLP of seed {seed}",
        summary={
            "seed": seed,
            "train_seconds": trainer.train_seconds,
            "last_epoch_train_loss": float(history[-1]["train_loss"]),
        },
        history=history,
        report=False,
    )


def _write(path: Path, solution: Solution) -> None:
    from safetensors.torch import save

    from learnlab.io.atomic import atomic_write_bytes

    tensors = {f"initial.{k}": v.contiguous() for k, v in solution.initial.items()}
    tensors.update({f"final.{k}": v.detach().contiguous() for k, v in solution.final.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, save(tensors))


def read_solution(run_dir: Path, seed: int) -> Solution:
    from learnlab.io.safe_load import read_safetensors

    tensors, _ = read_safetensors(weights_path(run_dir, seed), what="trained weights")
    part = {
        prefix: {k.partition(".")[2]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
        for prefix in ("initial", "final")
    }
    return Solution(seed, part["initial"], part["final"])


def evaluation_data(config: InterpolationConfig, data: Mnist) -> dict[str, Any]:
    """The batches each scan evaluates: training and test images (the first `eval_train`,
    `eval_test`), and the plane's training images; batches of 2,000."""

    def batches(x: Tensor, y: Tensor, limit: int | None) -> list[tuple[Tensor, Tensor]]:
        n = len(x) if limit is None else min(limit, len(x))
        return [(x[i : min(i + 2000, n)], y[i : min(i + 2000, n)]) for i in range(0, n, 2000)]

    return {
        "train": batches(data.train_x, data.train_y, config.eval_train),
        "test": batches(data.test_x, data.test_y, config.eval_test),
        "plane": batches(data.train_x, data.train_y, config.plane_train),
        # batch-norm statistics, when recomputed, come from the training images
        "statistics": batches(data.train_x, data.train_y, config.eval_train),
    }
