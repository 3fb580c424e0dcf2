"""Options shared by the commands that start a run."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run-dir", type=Path, help="where to write the run (default runs/<time>-...)")
    p.add_argument("--seed", type=int, help="random seed (same seed, same numbers on the CPU)")
    p.add_argument("--config", type=Path, help="a TOML file of settings")
    add_set_option(p, "override one setting, e.g. --set lr=0.1 --set model_options.width=64")
    add_threads_option(p)


THREADS_HELP = (
    "torch's threads for the run: a number, or auto (the default: bounded by the cores idle "
    "now, chosen by timing a few training steps; OMP_NUM_THREADS or LEARNLAB_THREADS, when "
    "set, decide instead)"
)


def add_threads_option(p: argparse.ArgumentParser) -> None:
    """`--threads N|auto`, the config key `threads` (validated with the config)."""
    p.add_argument("--threads", type=thread_count, metavar="N|auto", help=THREADS_HELP)


def thread_count(text: str) -> int | str:
    """A whole number as an int, anything else as given (the config's check names it)."""
    stripped = text.strip()
    return int(stripped) if stripped.lstrip("-").isdigit() else stripped


def add_set_option(p: argparse.ArgumentParser, text: str) -> None:
    """`--set KEY=VALUE`, repeatable, collected in `args.assignments`."""
    p.add_argument(
        "--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE", help=text
    )


DRY_RUN_HELP = (
    "validate the whole configuration (names, types, ranges, and the model, optimizer and "
    "schedule built from it), print it as JSON and exit: no data is loaded, nothing is "
    "trained or written"
)


def add_dry_run_option(p: argparse.ArgumentParser) -> None:
    """`--dry-run` (see learnlab.commands.dryrun)."""
    p.add_argument("--dry-run", action="store_true", help=DRY_RUN_HELP)


def threads_assignment(threads: int | str | None) -> list[str]:
    """`--threads N` as the `--set threads=N` of a command that takes only assignments."""
    return [] if threads is None else [f"threads={threads}"]


LOGGER_HELP = (
    "also log the run's scalars (per-step loss, per-epoch metrics and lr, test metrics) to "
    "'tensorboard' (event files in RUN/tensorboard: tensorboard --logdir runs) or 'mlflow' "
    "(its tracking store: $MLFLOW_TRACKING_URI, else RUN/mlflow.db) as it trains; each needs "
    "its optional extra, e.g. pip install -e '.[tensorboard]'. Default: none"
)


def add_logger_option(p: argparse.ArgumentParser) -> None:
    """`--logger none|tensorboard|mlflow` (learnlab.train.callbacks.scalar_log)."""
    p.add_argument("--logger", metavar="NAME", help=LOGGER_HELP)
