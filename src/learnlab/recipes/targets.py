"""Recipes that are one training run aiming at a target: their configuration and their verdict.

`OneRunConfig` is a `TrainConfig` whose defaults are a recipe's own (`RECIPE`): every
`learnlab train` setting is a setting of the recipe (`--set epochs=1`, `--set
model_options.width=8`), checked by the same validators, and the run directory's config.json
is the recipe's config, so `learnlab run NAME --resume RUN` continues it. Model options given
are laid over the recipe's, so that changing one keeps the others.

`Target` is an accuracy to reach (and a time limit, where there is one) with the reason it is
that number; `add_target(result, target)` records it in the Result's summary
(`target_test_accuracy`, `reached_target`, and `time_limit_seconds`, `within_time_limit`) and
states it, met or not, in the notes.

Example:
    >>> target = Target(0.975, why="well above a linear classifier")
    >>> target.wording()
    '>= 97.5% test accuracy'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import model_validator

from learnlab.config import TrainConfig
from learnlab.io.errors import ConfigError
from learnlab.result import Result


class OneRunConfig(TrainConfig):
    """A TrainConfig with a recipe's defaults (`RECIPE`, filled in before validation)."""

    RECIPE: ClassVar[dict[str, Any]] = {}

    @model_validator(mode="before")
    @classmethod
    def _recipe_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        merged = {**cls.RECIPE, **data}
        options = data.get("model_options")
        if isinstance(options, dict):
            merged["model_options"] = {**cls.RECIPE.get("model_options", {}), **options}
        return merged


def check_one_run(config: OneRunConfig, recipe: str) -> None:
    """The data set and the model are what the recipe is about (its target is theirs):
    refused before anything is written, pointing at `learnlab train` for other choices."""
    for key in ("dataset", "model"):
        wanted = config.RECIPE.get(key)
        if wanted is not None and getattr(config, key) != wanted:
            raise ConfigError(
                f"{recipe} trains {config.RECIPE['model']} on {config.RECIPE['dataset']}; "
                f"{key}={getattr(config, key)!r} is another experiment. Run it with "
                f"`learnlab train --set {key}=...` instead."
            )


@dataclass(frozen=True)
class Target:
    """A test accuracy to reach, optionally within `time_limit` seconds of training on 2 CPU
    cores, and why the bar is set there (said in the report)."""

    accuracy: float
    why: str
    time_limit: float | None = None

    def wording(self) -> str:
        text = f">= {100 * self.accuracy:.1f}% test accuracy"
        if self.time_limit is not None:
            text += f" in at most {self.time_limit / 60:g} minutes of training on 2 CPU cores"
        return text


def target_note(summary: dict[str, Any], target: Target) -> str:
    """The sentence of the report stating the target, why, and whether `summary` meets it."""
    accuracy, seconds = float(summary["test_accuracy"]), float(summary["train_seconds"])
    verdict = "met" if accuracy >= target.accuracy else "NOT met"
    line = (
        f"Target: {target.wording()}; {target.why}. Accuracy target {verdict}: "
        f"{100 * accuracy:.2f}% after {seconds:.0f} s of training"
    )
    if target.time_limit is not None:
        within = "within" if seconds <= target.time_limit else "OVER"
        line += f" ({within} the time limit on this machine; the time depends on its load)"
    return line + "."


def add_target(result: Result, target: Target) -> Result:
    """Record `target` and whether the run met it in `result` (a training run's Result)."""
    summary = result.summary
    summary["target_test_accuracy"] = target.accuracy
    summary["reached_target"] = float(summary["test_accuracy"]) >= target.accuracy
    if target.time_limit is not None:
        summary["time_limit_seconds"] = target.time_limit
        summary["within_time_limit"] = float(summary["train_seconds"]) <= target.time_limit
    result.notes.append(target_note(summary, target))
    return result


def selection_note(config: TrainConfig) -> str:
    """How the settings were chosen: on a validation split, never on the test set."""
    return (
        f"Hyperparameters were chosen on a validation split ({config.val_fraction:.3g} of the "
        "training images); the test set is evaluated once, at the end."
    )
