"""quickstart: the main job of `make demo`.

LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998, "Gradient-based learning applied to document
recognition") on MNIST for two epochs with Adam (Kingma & Ba 2015); when MNIST cannot be found or
downloaded, an MLP on scikit-learn's 8x8 digits instead, with a one-line notice. Either way it
ends with a run directory holding the weights, the metrics and an HTML report.
"""

from __future__ import annotations

from pydantic import Field

from learnlab.config import DataRecipeConfig, TrainConfig
from learnlab.io.errors import DataNotFound
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import register_recipe
from learnlab.result import Result


class QuickstartConfig(DataRecipeConfig):
    epochs: int = Field(2, ge=1, le=50)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(2e-3, gt=0, le=100)
    # the first N training examples only: a look in seconds (None: all of them)
    limit_train: int | None = Field(None, ge=1)


@register_recipe(
    "quickstart",
    "LeNet-5 on MNIST for two epochs (an MLP on the 8x8 digits when MNIST is absent); "
    "writes an HTML report",
    QuickstartConfig,
    train_configs=lambda config: list(train_configs(config)),
    # a look in seconds: one epoch on 2,048 images (a whole MNIST epoch took 35 s in the suite)
    quick={"epochs": 1, "limit_train": 2048},
)
def run(config: QuickstartConfig, ctx: RunContext) -> Result:
    notes = ["The learnlab quickstart: the first model of the course, trained end to end."]
    lenet, mlp = train_configs(config)
    try:
        return ctx.train_here(lenet, title="quickstart", notes=notes)
    except DataNotFound:
        pass  # a corrupt MNIST file is an error worth showing; only absence falls back
    ctx.console.print(
        "[yellow]MNIST is not here and could not be downloaded: "
        "training an MLP on scikit-learn's 8x8 digits instead.[/]"
    )
    notes.append("MNIST was not available, so this run uses scikit-learn's 8x8 digits.")
    return ctx.train_here(mlp, title="quickstart", notes=notes)


def train_configs(config: QuickstartConfig) -> tuple[TrainConfig, TrainConfig]:
    """The `learnlab train` configurations: LeNet-5 on MNIST, and the MLP on the 8x8 digits
    used when MNIST is absent (a dry run checks both)."""
    common = dict(
        batch_size=config.batch_size,
        lr=config.lr,
        seed=config.seed,
        limit_train=config.limit_train,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        optimizer="adam",
        schedule="cosine",
    )
    lenet = TrainConfig(dataset="mnist", model="lenet5", epochs=config.epochs, **common)
    mlp = TrainConfig(dataset="digits", model="mlp", epochs=20 * config.epochs, **common)
    return lenet, mlp
