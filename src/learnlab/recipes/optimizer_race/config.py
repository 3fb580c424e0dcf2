"""The optimizer race's settings: the optimizers, their learning-rate grids, the three problems
and the condition-number study."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from learnlab.config import DataRecipeConfig
from learnlab.io.errors import unknown_name

# the lecture's optimizers (L4) in the race's order, by their names in the optimizer registry
# (learnlab.train.optimizers)
RACE_OPTIMIZERS: tuple[str, ...] = (
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "lbfgs",
    "cg",
    "newton-cg",
    "newton",
)
# optimizers whose step is chosen by a line search or is a (damped) Newton step: lr 1, no grid
LINE_SEARCH_OPTIMIZERS: tuple[str, ...] = ("lbfgs", "cg", "newton-cg", "newton")
# the learning rates tried per optimizer on each problem (the race keeps the lowest final
# training objective); half-decade grids around the usual values of each family
DEFAULT_LR_GRIDS: dict[str, list[float]] = {
    "sgd": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "momentum": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    "nesterov": [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    "adagrad": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
    "rmsprop": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0],
    "adam": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0],
    "adamw": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0],
}


class OptimizerRaceConfig(DataRecipeConfig):
    """Every optimizer on the same three training objectives; the learning rate of each
    chosen per problem by a small grid on the training objective (an optimisation race)."""

    optimizers: list[str] = Field(default_factory=lambda: list(RACE_OPTIMIZERS))
    # per-optimizer learning-rate grids replacing the defaults (DEFAULT_LR_GRIDS)
    lr_grids: dict[str, list[float]] = Field(default_factory=dict)
    momentum: float = Field(0.9, ge=0, lt=1)  # alpha of momentum and Nesterov
    # (a) L2-regularised multinomial logistic regression on the 8x8 digits, full batch
    digits_examples: int = Field(1437, ge=20, le=1437)
    l2: float = Field(1e-3, gt=0, le=10)
    logistic_iterations: int = Field(300, ge=1, le=100_000)
    # (b) a one-hidden-layer tanh MLP on the first MNIST training images: minibatches for the
    # first-order methods, the full subset for the line-search and Newton methods
    mnist_examples: int = Field(4000, ge=20, le=60_000)
    hidden: int = Field(32, ge=1, le=4096)
    batch_size: int = Field(128, ge=1)
    mlp_epochs: int = Field(40, ge=1, le=10_000)
    mlp_target: float = Field(0.01, gt=0)  # the training loss whose time to reach is reported
    # (c) the quadratic 1/2 x'Ax - b'x with eigenvalues log-spaced in [1/kappa, 1], full batch
    dimension: int = Field(100, ge=2, le=4096)
    kappa: float = Field(1000.0, ge=1, le=1e8)
    quadratic_iterations: int = Field(500, ge=1, le=100_000)
    # convex problems: time to reach (f - f*) <= tolerance (f0 - f*)
    tolerance: float = Field(1e-6, gt=0, lt=1)
    # Newton only where the exact Hessian (parameters^2 entries) is affordable
    newton_max_parameters: int = Field(5000, ge=1, le=20_000)
    # the condition-number study: gradient descent and heavy-ball momentum with the theory's
    # step sizes, iterations to ||x - x*|| <= conditioning_tolerance ||x0 - x*||
    kappas: list[float] = Field(
        default_factory=lambda: [10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0]
    )
    conditioning_tolerance: float = Field(1e-6, gt=0, lt=1)

    @field_validator("optimizers")
    @classmethod
    def _known_optimizers(cls, names: list[str]) -> list[str]:
        from learnlab.train.optimizers import OPTIMIZER_NAMES

        if not names:
            raise ValueError(
                f"optimizers is empty; list at least one optimizer, e.g. {list(RACE_OPTIMIZERS)}"
            )
        for name in names:
            if name not in OPTIMIZER_NAMES:
                raise ValueError(str(unknown_name("optimizer", name, OPTIMIZER_NAMES)))
        if len(set(names)) != len(names):
            raise ValueError(f"optimizers lists a name twice: {names}")
        return names

    @field_validator("lr_grids")
    @classmethod
    def _positive_grids(cls, grids: dict[str, list[float]]) -> dict[str, list[float]]:
        for name, grid in grids.items():
            if not grid or any(not lr > 0 for lr in grid):
                raise ValueError(
                    f"lr_grids[{name!r}] must be a non-empty list of learning rates > 0, got {grid}"
                )
        return grids

    @field_validator("kappas")
    @classmethod
    def _condition_numbers(cls, kappas: list[float]) -> list[float]:
        if len(set(kappas)) < 2 or any(not 1 <= k <= 1e6 for k in kappas):
            raise ValueError(
                "kappas must hold at least two distinct condition numbers in [1, 1e6] (a slope "
                f"is fitted through them), got {kappas}"
            )
        return sorted(kappas)

    @model_validator(mode="after")
    def _grids_for_raced_optimizers(self) -> OptimizerRaceConfig:
        unused = sorted(set(self.lr_grids) - set(self.optimizers))
        if unused:
            raise ValueError(
                f"lr_grids names {unused}, which are not in optimizers {self.optimizers}"
            )
        return self

    def lr_grid(self, name: str) -> list[float]:
        """The learning rates tried for optimizer `name` (line-search and Newton steps: 1)."""
        if name in self.lr_grids:
            return list(self.lr_grids[name])
        return list(DEFAULT_LR_GRIDS.get(name, [1.0]))
