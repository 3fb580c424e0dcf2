"""The recipe registry.

A recipe is a function `run(config, ctx) -> Result` with a pydantic config class: `ctx` (a
`learnlab.recipes.context.RunContext`) has the run directory, the console, and runs parts that
resume; the Result (`learnlab.result`) is written by one writer (`learnlab.report.publish`,
called by `learnlab.recipes.runner.run_recipe`). Recipes live one per module (a subpackage when
they need several files) in `learnlab.recipes`; the registry imports the modules listed in
`RECIPE_MODULES` on first use, so that `learnlab --help` stays cheap. Each recipe declares
`quick`, the overrides of a seconds-long configuration that the contract tests run.

A recipe registered with a `reproduction` (learnlab.recipes.reproduce.Reproduction) is a
reproduction of a paper: `learnlab reproduce NAME` runs it and puts the paper's numbers next
to ours.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from learnlab.io.errors import unknown_name

if TYPE_CHECKING:
    from learnlab.recipes.paper import Reproduction

# modules that register recipes when imported
RECIPE_MODULES: tuple[str, ...] = (
    "learnlab.recipes.quickstart",
    "learnlab.recipes.mnist_speedrun",
    "learnlab.recipes.learning_curve",
    "learnlab.recipes.lenet5_mnist",
    "learnlab.recipes.gcn_karate",
    "learnlab.recipes.autoencoders",
    "learnlab.recipes.rnn_sequential_mnist",
    "learnlab.recipes.resnet_fashion",
    "learnlab.recipes.mixer_mnist",
    "learnlab.recipes.char_transformer",
    "learnlab.recipes.moe_cascade",
    "learnlab.recipes.word_embeddings",
    "learnlab.recipes.fgsm",
    "learnlab.recipes.interpolation",
    "learnlab.recipes.szegedy_distortion",
    "learnlab.recipes.large_batch",
    "learnlab.recipes.saddles",
    "learnlab.recipes.teacher_student_width",
    "learnlab.recipes.double_descent",
    "learnlab.recipes.bias_variance",
    "learnlab.recipes.forgetting",
    "learnlab.recipes.intrinsic_dimension",
    "learnlab.recipes.lottery_ticket",
    "learnlab.recipes.random_labels",
    "learnlab.recipes.pretraining_variance",
    "learnlab.recipes.curriculum",
    "learnlab.recipes.baselines",
    "learnlab.recipes.fitnets_hints",
    "learnlab.recipes.continuation",
    "learnlab.recipes.greedy_pretraining",
    "learnlab.recipes.optimizer_race",
    "learnlab.recipes.transfer",
    "learnlab.recipes.dann_mnist_usps",
    "learnlab.recipes.distillation",
    "learnlab.recipes.batch_size_noise",
    "learnlab.recipes.few_shot",
    "learnlab.recipes.zero_shot",
    "learnlab.recipes.clip_digits",
    "learnlab.recipes.pretrain_finetune",
    "learnlab.recipes.multitask_canvas",
    "learnlab.recipes.semi_supervised_mnist",
    "learnlab.recipes.contrastive",
    "learnlab.recipes.digit_strings",
    "learnlab.recipes.unrolled_mrf",
    "learnlab.recipes.value_iteration_network",
    "learnlab.recipes.compression",
    "learnlab.recipes.pipeline_parallel",
    "learnlab.recipes.hogwild_mnist",
)


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    config_class: type
    run: Callable
    reproduction: Reproduction | None = None
    # config -> the `learnlab train` configs the recipe runs (checked by --dry-run)
    train_configs: Callable | None = None
    # overrides of a seconds-long configuration (tests); a reproduction's own by default
    quick: Mapping[str, Any] = field(default_factory=dict)


_RECIPES: dict[str, Recipe] = {}
_loaded = False


def register_recipe(
    name: str,
    description: str,
    config_class: type,
    reproduction: Reproduction | None = None,
    train_configs: Callable | None = None,
    quick: Mapping[str, Any] | None = None,
) -> Callable:
    """Decorator: register `run(config, ctx) -> Result` under `name`; with `reproduction`, the
    recipe's default configuration reproduces that paper's numbers; `train_configs(config)`
    lists the TrainConfigs its runs use, so that `--dry-run` can validate them without running
    anything; `quick` overrides the defaults into a run of seconds (for the contract tests)."""

    def decorate(run: Callable) -> Callable:
        if name in _RECIPES:
            raise ValueError(f"recipe {name!r} is already registered")
        chosen = quick if quick is not None else (reproduction.quick if reproduction else {})
        _RECIPES[name] = Recipe(
            name, description, config_class, run, reproduction, train_configs, dict(chosen)
        )
        return run

    return decorate


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in RECIPE_MODULES:
            importlib.import_module(module)
        _loaded = True


def recipe_names() -> list[str]:
    _load_all()
    return sorted(_RECIPES)


def reproduction_names() -> list[str]:
    """The recipes that reproduce a paper's numbers."""
    _load_all()
    return sorted(n for n, r in _RECIPES.items() if r.reproduction is not None)


def get_recipe(name: str) -> Recipe:
    _load_all()
    if name not in _RECIPES:
        hint = " `learnlab list recipes` describes them."
        raise unknown_name("recipe", name, sorted(_RECIPES), hint)
    return _RECIPES[name]
