"""`learnlab list [WHAT]`: the registered data sets, models, recipes, optimizers, schedules
and initialisations, each with its one-line description."""

from __future__ import annotations

import argparse

NAME = "list"
HELP = "show data sets, models, recipes and more"
DESCRIPTION = "Show the names that a configuration may use, each with its description."
SECTIONS = ("datasets", "models", "recipes", "optimizers", "schedules", "inits")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", nargs="?", default="all", choices=["all", *SECTIONS])


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for section in SECTIONS if args.what == "all" else [args.what]:
        table = Table(title=section, title_justify="left", show_header=False, box=None)
        for name, text in entries(section):
            table.add_row(f"[bold]{name}[/]", text)
        console.print(table)
    return 0


def entries(section: str) -> list[tuple[str, str]]:
    """(name, description) of each entry of one section."""
    if section == "datasets":
        from learnlab.data import dataset_names, get_dataset_spec

        return [(n, get_dataset_spec(n).description) for n in dataset_names()]
    if section == "models":
        from learnlab.models import model_description, model_names

        return [(n, model_description(n)) for n in model_names()]
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
