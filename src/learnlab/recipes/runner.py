"""Running a registered recipe: choose its run directory, call `run(config, ctx)`, publish the
Result it returns (files, index entry, report, console line).

`learnlab run NAME` and `learnlab reproduce NAME` come through `run_recipe`; so do the tests.
On resume the run directory is the one given, its config.json (written when the first part is
kept) is the configuration, and finished parts are read back (`learnlab.recipes.context`).

Example:
    >>> from learnlab.recipes.runner import run_recipe
    >>> published = run_recipe("gcn-karate", {"karate_steps": 20})  # doctest: +SKIP
    >>> published.summary["test_accuracy"]                          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from learnlab.config import StrictModel, validate
from learnlab.io.errors import ConfigError
from learnlab.recipes.context import RunContext
from learnlab.recipes.registry import Recipe, get_recipe, recipe_names
from learnlab.result import Result
from learnlab.runs.interruption import RunInterrupted, interruption, on_interrupt

if TYPE_CHECKING:
    from rich.console import Console

    from learnlab.report.publish import Published
    from learnlab.train.threads import ThreadChoice


def resolve_config(recipe: Recipe, config: StrictModel | Mapping[str, Any] | None):
    """The recipe's config object: given, built from a dict of settings, or the defaults."""
    if isinstance(config, recipe.config_class):
        return config
    if isinstance(config, StrictModel):
        raise ConfigError(
            f"recipe {recipe.name!r} takes a {recipe.config_class.__name__}, "
            f"not a {type(config).__name__}."
        )
    return validate(recipe.config_class, dict(config or {}), source=f"{recipe.name} settings")


def check_logger_reaches(recipe: Recipe, config: StrictModel) -> None:
    """A `logger` (TensorBoard, MLflow) reaches the `learnlab train` runs of a recipe (its
    RunContext passes it on); refuse it for a recipe that trains in loops of its own, where it
    would be silently ignored. Such runs are what `train_configs` declares."""
    logger = getattr(config, "logger", "none")
    if logger == "none" or recipe.train_configs is not None:
        return
    logging = [n for n in recipe_names() if get_recipe(n).train_configs is not None]
    raise ConfigError(
        f"recipe {recipe.name!r} trains its models in loops of its own, which logger "
        f"{logger!r} does not reach; drop --logger (or the logger setting). The recipes whose "
        f"training runs log: {', '.join(logging)}."
    )


def saved_config(run_dir: Path) -> dict[str, Any] | None:
    """The configuration a recipe run in `run_dir` started with, if it wrote it yet."""
    from learnlab.runs.directory import CONFIG_FILE, read_json_object

    path = Path(run_dir) / CONFIG_FILE
    return read_json_object(path) if path.is_file() else None


def run_recipe(
    name: str | Recipe,
    config: StrictModel | Mapping[str, Any] | None = None,
    *,
    run_dir: str | Path | None = None,
    resume: str | Path | None = None,
    console: Console | None = None,
    index: bool = True,
    amend: Callable[[Result], None] | None = None,
) -> Published:
    """Run recipe `name` with `config` and publish its Result; `amend(result)` may add to the
    Result before it is written (a reproduction's paper-vs-measured table)."""
    from rich.console import Console

    from learnlab.report.publish import publish
    from learnlab.runs.claim import claim_new_run_dir, claim_run_dir
    from learnlab.train.seeding import torch_threads

    recipe = name if isinstance(name, Recipe) else get_recipe(name)
    config = resolve_config(recipe, config)
    check_logger_reaches(recipe, config)
    console = console or Console(stderr=True)
    threads = recipe_threads(config, console)
    if resume is not None:
        if run_dir is not None:
            raise ConfigError("--resume continues a run in its own directory; drop --run-dir.")
        path = Path(resume)
        if not path.is_dir():
            raise ConfigError(f"--resume {path}: not a run directory. Give the run's folder.")
        claim = claim_run_dir(path, fresh=False, command=f"learnlab run {recipe.name}")
    else:  # one writer per run directory: claimed now, held until the run is published
        claim = claim_new_run_dir(recipe.name, run_dir, command=f"learnlab run {recipe.name}")
        path = claim.run_dir
    ctx = RunContext(
        path,
        console,
        resume=resume is not None,
        config=config.model_dump(mode="json"),
        threads=threads.threads if threads.how == "set" else None,
    )
    with claim, on_interrupt(lambda: recipe_interruption(recipe.name, path)):
        with torch_threads(threads.threads):  # torch's own setting is restored after
            result = recipe.run(config, ctx)
        if not isinstance(result, Result):
            raise TypeError(
                f"recipe {recipe.name!r} returned {type(result).__name__}, not a Result"
            )
        for part_name, part in ctx.parts.items():
            result.parts.setdefault(part_name, part)
        for key, value in threads.summary().items():  # a recipe that trains once has its own
            result.summary.setdefault(key, value)
        # a recipe's run directory holds the recipe's config (a training run inside it, its own)
        result.config = config.model_dump(mode="json")
        if amend is not None:
            amend(result)
        return publish(result, path, index=index, console=console)


def recipe_interruption(name: str, run_dir: Path) -> RunInterrupted:
    """Ctrl-C during recipe `name`: `learnlab run NAME --resume RUN_DIR` once the run wrote its
    config.json (what --resume continues with), before its first part or training."""
    from learnlab.runs.directory import CONFIG_FILE

    resumable = (run_dir / CONFIG_FILE).is_file()
    return interruption(
        run_dir, ["learnlab", "run", name], resumable=resumable, what="it wrote its configuration"
    )


def recipe_threads(config: StrictModel, console: Console) -> ThreadChoice:
    """torch's threads for the recipe's own computations: its `threads` setting, the
    environment's, or the cores idle now (no timing: a recipe has no single model to time; a
    part trained through `ctx.train` times its own). Printed on the console."""
    from learnlab.train.threads import choose_threads_here

    choice = choose_threads_here(getattr(config, "threads", "auto"))
    console.print(choice.line())
    return choice
