"""The fgsm reproduction's settings; the defaults are the reproduction."""

from __future__ import annotations

from pydantic import Field, field_validator

from learnlab.config import DataRecipeConfig, TrainConfig

# the three models: a key of the summary and of the run's parts -> what it is, in words
MODELS = {
    "softmax": "softmax regression",
    "network": "network",
    "adversarial": "network, adversarially trained",
}


class FgsmConfig(DataRecipeConfig):
    """The defaults are the reproduction's configuration."""

    # the attack's budget in pixel units (images in [0, 1]): the paper's eps = 0.25
    eps: float = Field(0.25, ge=0, le=1)
    # adversarial training's weight of the clean loss, alpha J(x) + (1 - alpha) J(x_adv)
    alpha: float = Field(0.5, ge=0, le=1)
    # the network: `depth` hidden layers of `width` ReLU units (the paper's maxout net had 240)
    width: int = Field(240, ge=1, le=4096)
    depth: int = Field(2, ge=1, le=8)
    dropout: float = Field(0.0, ge=0, lt=1)
    epochs: int = Field(20, ge=1, le=200)
    softmax_epochs: int = Field(10, ge=1, le=200)
    batch_size: int = Field(128, ge=1, le=60_000)
    lr: float = Field(1e-3, gt=0, le=1)
    limit_train: int | None = Field(None, ge=1)
    # test images attacked (None: all 10,000)
    limit_test: int | None = Field(None, ge=1)
    # the budgets of the error-against-eps curve
    eps_curve: list[float] = Field(
        default_factory=lambda: [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], min_length=1
    )
    # test images shown clean and attacked in the figure
    figure_examples: int = Field(8, ge=1, le=32)

    @field_validator("eps_curve")
    @classmethod
    def _budgets(cls, v: list[float]) -> list[float]:
        if any(not 0.0 <= e <= 1.0 for e in v):
            raise ValueError(f"every budget must lie in [0, 1] (pixel units); got {v}")
        return sorted(set(v))


def train_config(config: FgsmConfig, key: str) -> TrainConfig:
    """The `learnlab train` run of model `key` (one of MODELS): all 60,000 training images, no
    validation split (nothing is selected on held-out data), Adam with a cosine schedule."""
    softmax = key == "softmax"
    options = {"depth": 0} if softmax else {"depth": config.depth, "width": config.width}
    if not softmax and config.dropout > 0:
        options["dropout"] = config.dropout
    adversarial = (
        {"attack": "fgsm", "eps": config.eps, "alpha": config.alpha} if key == "adversarial" else {}
    )
    return TrainConfig(
        dataset="mnist",
        model="mlp",
        model_options=options,
        optimizer="adam",
        lr=config.lr,
        schedule="cosine",
        epochs=config.softmax_epochs if softmax else config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        val_fraction=0.0,
        limit_train=config.limit_train,
        adversarial=adversarial,
        data_root=config.data_root,
        download=config.download,
        progress=config.progress,
        baselines=False,
    )
