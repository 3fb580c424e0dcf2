"""The `learnlab` command.

    learnlab train --dataset D --model M [--optimizer O] [--lr F] [--epochs N] ...
    learnlab run NAME [--run-dir PATH] [--seed S] [--set key=value ...] [--dry-run]
    learnlab list [datasets|models|recipes|optimizers|schedules|inits]
    learnlab runs | doctor | search | report | reproduce ...   (learnlab.commands)

Only argparse is imported at start-up: torch loads when a command needs it, so `--help` is
instant. Human-readable output goes to stderr; the last line on stdout is the run directory.
Errors in what the user gave exit with code 2 and a message of a few lines, no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from learnlab.commands import COMMAND_MODULES
from learnlab.commands.options import add_run_options

EXAMPLES = """examples:
  learnlab train --dataset mnist --model lenet5 --epochs 2
  learnlab train --dataset digits --model mlp --set model_options.width=128 --epochs 20
  learnlab train --dataset mnist --model my_net.py:build --lr 0.01 --optimizer momentum
  learnlab train --resume runs/20261123-120000-mnist-lenet5
  learnlab train --config my.toml --set lr=0.1 --dry-run   (check it; print it as JSON)
  learnlab run quickstart
  learnlab run learning-curve
  learnlab doctor --model lenet5 --dataset mnist
  learnlab search --config docs/examples/search/digits.toml
  learnlab runs --where "test_accuracy>0.98" --sort test_accuracy
  learnlab list models
"""

DRY_RUN_HELP = (
    "validate the whole configuration (names, types, ranges, and the model, optimizer and "
    "schedule built from it), print it as JSON and exit: no data is loaded, nothing is "
    "trained or written"
)


class _Parser(argparse.ArgumentParser):
    """argparse exits with 2 on bad usage already; this keeps its message short."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\nRun `{self.prog} --help` for the options.\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="learnlab",
        description="learnlab: a deep-learning course, executable.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    train = sub.add_parser(
        "train",
        help="train a model on a data set",
        description="Train a model on a data set and write a run directory.",
    )
    train.add_argument("--dataset", help="data set name (learnlab list datasets)")
    train.add_argument(
        "--model", help="model name (learnlab list models) or path/to/file.py:factory"
    )
    train.add_argument(
        "--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, lbfgs"
    )
    train.add_argument("--lr", type=float, help="learning rate")
    train.add_argument("--epochs", type=int, help="number of passes over the training set")
    train.add_argument("--batch-size", type=int, help="examples per minibatch")
    train.add_argument(
        "--resume",
        type=Path,
        metavar="PATH",
        help="continue the run in this run directory (or checkpoint file)",
    )
    train.add_argument(
        "--dry-run",
        action="store_true",
        help=DRY_RUN_HELP,
    )
    add_run_options(train)

    run = sub.add_parser(
        "run",
        help="run a registered recipe",
        description="Run a registered recipe (learnlab list recipes).",
    )
    run.add_argument("name", help="recipe name")
    run.add_argument("--resume", type=Path, metavar="PATH", help="continue an interrupted run")
    run.add_argument(
        "--dry-run",
        action="store_true",
        help=DRY_RUN_HELP,
    )
    add_run_options(run)

    lister = sub.add_parser("list", help="show data sets, models, recipes and more")
    lister.add_argument(
        "what",
        nargs="?",
        default="all",
        choices=["all", "datasets", "models", "recipes", "optimizers", "schedules", "inits"],
    )
    for module_name in COMMAND_MODULES:
        command = importlib.import_module(module_name)
        p = sub.add_parser(
            command.NAME,
            help=command.HELP,
            description=command.DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        p.set_defaults(command_module=command)
    return parser


def _train(args) -> Path | None:
    from learnlab import config as cfg
    from learnlab.pipeline import run_training

    flags = {
        "dataset": args.dataset,
        "model": args.model,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "seed": args.seed,
    }
    base = None
    if args.resume is not None:
        if args.run_dir is not None:
            from learnlab.io.errors import ConfigError

            raise ConfigError("--resume continues a run in its own directory; drop --run-dir.")
        base = _config_of_run(args.resume)
    config = cfg.build_config(
        cfg.TrainConfig,
        config_file=args.config,
        flags=flags,
        assignments=args.assignments,
        base=base,
    )
    if args.dry_run:
        from learnlab.commands import dryrun
        from learnlab.runs import choose_run_dir

        if args.resume is None:
            choose_run_dir("dry-run", args.run_dir)  # refuses a --run-dir that holds files
        dryrun.report(config.model_dump(mode="json"), [dryrun.check_train_config(config)])
        return None
    outcome = run_training(config, run_dir=args.run_dir, resume=args.resume)
    return outcome.run_dir


def _config_of_run(path: Path) -> dict:
    """The resolved config saved in a run directory or checkpoint (what --resume continues)."""
    from learnlab.io.errors import ConfigError
    from learnlab.runs import CHECKPOINT_FILE
    from learnlab.train.checkpoint import load_state

    ckpt = path / CHECKPOINT_FILE if path.is_dir() else path
    if not ckpt.exists():
        raise ConfigError(
            f"--resume {path}: no checkpoint there ({ckpt} does not exist).\n"
            "Give the run directory of an earlier `learnlab train`."
        )
    return load_state(ckpt)["extra"]["config"]


def _run(args) -> Path | None:
    from learnlab import config as cfg
    from learnlab.recipes import get_recipe
    from learnlab.recipes.runner import run_recipe, saved_config

    recipe = get_recipe(args.name)
    flags = {"seed": args.seed} if args.seed is not None else {}
    if flags and "seed" not in recipe.config_class.model_fields:
        from learnlab.io.errors import ConfigError

        raise ConfigError(f"recipe {args.name!r} takes no seed; drop --seed.")
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

        derived = dryrun.recipe_train_configs(recipe.name, config)
        checked = [dryrun.check_train_config(c) for c in derived]
        dryrun.report(config.model_dump(mode="json"), checked)
        return None
    from rich.console import Console

    published = run_recipe(
        recipe, config, run_dir=args.run_dir, resume=args.resume, console=Console(stderr=True)
    )
    return published.run_dir


def _list(what: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    sections = ["datasets", "models", "recipes", "optimizers", "schedules", "inits"]
    for section in sections if what == "all" else [what]:
        table = Table(title=section, title_justify="left", show_header=False, box=None)
        for name, text in _entries(section):
            table.add_row(f"[bold]{name}[/]", text)
        console.print(table)


def _entries(section: str) -> list[tuple[str, str]]:
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


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "list":
            _list(args.what)
            return 0
        command = getattr(args, "command_module", None)
        if command is not None:
            return command.run(args)
        run_dir = _train(args) if args.command == "train" else _run(args)
    except KeyboardInterrupt:
        print("\ninterrupted; continue with --resume RUN_DIR", file=sys.stderr)
        return 130
    except Exception as exc:
        from learnlab.io.disk import resource_error
        from learnlab.io.errors import LearnlabError

        if isinstance(exc, OSError):
            # a full disk or unwritable folder outside the atomic writer (a folder to create)
            exc = resource_error(exc, exc.filename, "accessing") or exc
        if not isinstance(exc, LearnlabError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    if run_dir is not None:  # None after a dry run, whose stdout is the JSON config
        print(run_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
