"""`learnlab list [WHAT [NAME]]`: the registered data sets, models, recipes, optimizers,
schedules and initialisations, each with its one-line description (models with their options'
names too); with a NAME, that entry in full, as `learnlab describe WHAT NAME` shows it."""

from __future__ import annotations

import argparse

NAME = "list"
HELP = "show data sets, models, recipes and more"
DESCRIPTION = (
    "Show the names that a configuration may use, each with its description. "
    "`learnlab list models mlp` (or `learnlab describe mlp`) shows one in full: its options, "
    "defaults, paper and an example command."
)
SECTIONS = ("datasets", "models", "recipes", "optimizers", "schedules", "inits")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", nargs="?", default="all", choices=["all", *SECTIONS])
    parser.add_argument("name", nargs="?", help="one entry of WHAT, shown in full")


def run(args: argparse.Namespace) -> int:
    if args.name is not None:
        from learnlab.commands import describe
        from learnlab.io.errors import ConfigError

        if args.what == "all":
            raise ConfigError(f"say what {args.name!r} is: learnlab describe {args.name}")
        kind = describe.KIND_WORDS[args.what]
        describe.show([(kind, describe.resolve(kind, args.name))], as_json=False)
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for section in SECTIONS if args.what == "all" else [args.what]:
        table = Table(title=section, title_justify="left", show_header=False, box=None)
        for name, text in entries(section):
            table.add_row(f"[bold]{name}[/]", text)
        console.print(table)
    if args.what in ("all", "models"):
        console.print("`learnlab describe NAME` shows one entry in full.")
    return 0


def entries(section: str) -> list[tuple[str, str]]:
    """(name, description) of each entry of one section."""
    if section == "datasets":
        from learnlab.data import dataset_names, get_dataset_spec

        return [(n, get_dataset_spec(n).description) for n in dataset_names()]
    if section == "models":
        from learnlab.models import model_description, model_names
        from learnlab.models.options import model_options

        def options(name: str) -> str:
            names = ", ".join(o.name for o in model_options(name)) or "none"
            return f"\n[dim]options: {names}[/]"

        return [(n, model_description(n) + options(n)) for n in model_names()]
    if section == "recipes":
        from learnlab.recipes import get_recipe, recipe_names

        return [(n, get_recipe(n).description) for n in recipe_names()]
    if section == "optimizers":
        from learnlab.train.optimizers import OPTIMIZER_NAMES, optimizer_description

        return [(n, optimizer_description(n)) for n in OPTIMIZER_NAMES]
    if section == "schedules":
        from learnlab.train.schedules import SCHEDULE_NAMES, schedule_description

        return [(n, schedule_description(n)) for n in SCHEDULE_NAMES]
    from learnlab.train.init import INIT_NAMES, init_description

    return [(n, init_description(n)) for n in INIT_NAMES]
