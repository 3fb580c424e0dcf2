"""`learnlab run NAME`: run a registered recipe and write its run directory (or, with
--dry-run, check its configuration and the training configurations it derives)."""

from __future__ import annotations

import argparse
from pathlib import Path

from learnlab.commands.options import add_dry_run_option, add_logger_option, add_run_options

NAME = "run"
HELP = "run a registered recipe"
DESCRIPTION = "Run a registered recipe (learnlab list recipes)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="recipe name")
    parser.add_argument("--resume", type=Path, metavar="PATH", help="continue an interrupted run")
    add_dry_run_option(parser)
    add_run_options(parser)
    add_logger_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run the recipe; print the run directory (the last line on stdout). A dry run prints
    the resolved configuration as JSON instead."""
    from learnlab import config as cfg
    from learnlab.recipes import get_recipe
    from learnlab.recipes.runner import check_logger_reaches, run_recipe, saved_config

    recipe = get_recipe(args.name)
    flags = {"seed": args.seed} if args.seed is not None else {}
    if flags and "seed" not in recipe.config_class.model_fields:
        from learnlab.io.errors import ConfigError

        raise ConfigError(f"recipe {args.name!r} takes no seed; drop --seed.")
    if args.threads is not None:
        flags["threads"] = args.threads  # a config without the key refuses it by name
    if args.logger is not None:
        flags["logger"] = args.logger  # run_recipe refuses it for a recipe that cannot log
    base = saved_config(args.resume) if args.resume is not None else None
    config = cfg.build_config(
        recipe.config_class,
        config_file=args.config,
        flags=flags,
        assignments=args.assignments,
        base=base,
    )
    if args.dry_run:
        from learnlab.commands import dryrun

        check_logger_reaches(recipe, config)

        derived = dryrun.recipe_train_configs(recipe.name, config)
        checked = [dryrun.check_train_config(c) for c in derived]
        dryrun.report(config.model_dump(mode="json"), checked)
        return 0
    from rich.console import Console

    published = run_recipe(
        recipe, config, run_dir=args.run_dir, resume=args.resume, console=Console(stderr=True)
    )
    print(published.run_dir)
    return 0
