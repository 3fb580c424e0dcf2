"""lenet5-mnist: LeNet-5 on MNIST, reproducing LeCun, Bottou, Bengio & Haffner (1998),
"Gradient-based learning applied to document recognition", Proc. IEEE 86(11).

The paper (section III.C) trains LeNet-5 on the 60,000 MNIST training images for 20 passes
and reports a test error of 0.95% (0.35% on the training set); with 540,000 artificially
distorted training images (random affine transformations) the test error falls to 0.8%.

Our run is as close as learnlab's LeNet-5 allows: the same layer sizes (C1 6@28x28 from a
padded 28x28 image, S2, C3 16@10x10, S4, C5 120, F6 84, 10 outputs), tanh units and average
subsampling, trained on all 60,000 training images (no validation split: nothing is selected
on held-out data, as in the paper), a fixed number of epochs, and the test set evaluated once
at the end. It departs from the paper where the paper's machinery is not PyTorch's: C3 is
fully connected to S2 (the paper's sparse table breaks symmetry), the subsampling has no
trainable coefficient, the output is a linear layer with cross-entropy instead of Euclidean
RBF units with the paper's MAP criterion, and training is SGD with momentum and a
cosine schedule for 10 epochs instead of stochastic diagonal Levenberg-Marquardt per example
for 20 passes (the paper's test error had levelled off after about 10 passes). The
distortion result (0.8%) is not reproduced: learnlab's augmentation only translates.
"""

from __future__ import annotations

from pydantic import Field

from learnlab.config import StrictModel, TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.recipes.paper import Claim, Paper, Reproduction
from learnlab.recipes.registry import register_recipe

NAME = "lenet5-mnist"

PAPER = Paper(
    authors="LeCun, Bottou, Bengio, Haffner",
    year=1998,
    title="Gradient-based learning applied to document recognition",
    venue="Proceedings of the IEEE 86(11), section III.C and figure 9",
)


class Lenet5MnistConfig(StrictModel):
    """The defaults are the reproduction's configuration."""

    epochs: int = Field(10, ge=1, le=100)
    batch_size: int = Field(64, ge=1)
    lr: float = Field(0.05, gt=0, le=10)
    momentum: float = Field(0.9, ge=0, lt=1)
    activation: str = "tanh"
    pool: str = "avg"
    seed: int = Field(0, ge=0)
    limit_train: int | None = Field(None, ge=1)
    data_root: str | None = None
    download: bool = True
    progress: bool = True


def train_config(config: Lenet5MnistConfig) -> TrainConfig:
    return TrainConfig(
        dataset="mnist",
        model="lenet5",
        model_options={"activation": config.activation, "pool": config.pool},
        optimizer="momentum",
        momentum=config.momentum,
        lr=config.lr,
        schedule="cosine",
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        val_fraction=0.0,
        limit_train=config.limit_train,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
    )


def _test_error_percent(summary: dict) -> float:
    return 100.0 * (1.0 - float(summary["test_accuracy"]))


REPRODUCTION = Reproduction(
    paper=PAPER,
    setup=(
        "LeNet-5 with the paper's layer sizes, tanh units and average subsampling; all 60,000 "
        "training images, no validation split, 10 epochs of SGD with momentum 0.9 (batch 64, "
        "learning rate 0.05, cosine schedule), seed 0; the test set evaluated once, at the end. "
        "The paper trained 20 passes with stochastic diagonal Levenberg-Marquardt, a sparse C3, "
        "trainable subsampling and RBF outputs. The paper's 0.8% with distortions is not "
        "reproduced (learnlab's augmentation only translates)."
    ),
    claims=(
        Claim(
            quantity="test error (%), LeNet-5 trained on the 60,000 undistorted images",
            paper=0.95,
            measure=_test_error_percent,
            # the spread of LeNet-5's test error between seeds is about 0.05-0.1 points
            tolerance=0.15,
            why_different=(
                "simplified LeNet-5 (full C3, linear outputs with cross-entropy, no trainable "
                "subsampling) and a different optimiser (SGD with momentum for 10 epochs, not "
                "diagonal Levenberg-Marquardt for 20 passes); one seed"
            ),
        ),
    ),
    quick={"epochs": 1, "limit_train": 2048},
)


@register_recipe(
    NAME,
    "Reproduction: LeNet-5 on MNIST, test error next to LeCun et al. (1998)'s 0.95%; "
    "10 epochs on all 60,000 images (a few minutes on 2 cores)",
    Lenet5MnistConfig,
    reproduction=REPRODUCTION,
    train_configs=lambda config: [train_config(config)],
)
def run(config: Lenet5MnistConfig, *, run_dir=None, resume=None, console=None):
    from learnlab.pipeline import run_training

    if config.activation not in ("tanh", "relu") or config.pool not in ("avg", "max"):
        raise ConfigError(
            f"activation must be tanh or relu and pool avg or max; got {config.activation!r} "
            f"and {config.pool!r} (the paper: tanh and avg)."
        )
    notes = [
        f"Reproduction of {PAPER.citation()}: test error 0.95% without distortions.",
        "Trained on all training images with no validation split; the test set is evaluated "
        "once, at the end, and nothing is selected on it.",
    ]
    return run_training(
        train_config(config),
        run_dir=run_dir,
        resume=resume,
        console=console,
        title=NAME,
        notes=notes,
    )
