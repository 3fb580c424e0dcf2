"""`learnlab search`: hyperparameter search on Optuna (see learnlab.search)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from learnlab.commands.options import add_set_option, add_threads_option, threads_assignment

NAME = "search"
HELP = "hyperparameter search: grid, random, TPE, Gaussian process; pruning; resumable"
DESCRIPTION = """\
Search hyperparameters with Optuna. The --config file is a training config plus a [search]
table (sampler, pruner, trials, metric) and [search.space] (the parameters to vary):

  dataset = "digits"
  model = "mlp"
  epochs = 5
  [search]
  sampler = "tpe"            # grid | random | tpe | gp
  pruner = "median"          # none | median | halving
  trials = 20
  [search.space]
  lr = { type = "float", low = 1e-4, high = 0.1, log = true }
  "model_options.width" = { type = "int", low = 16, high = 256, log = true }

The study is kept in SQLite (study.db in the search directory), so running the same command
again resumes it; --trials N is the number of finished trials the study is to hold, whichever
worker ran them. Start the same command in several processes to run trials in parallel; give
--storage postgresql://user@host/db for workers on several machines. Prints one line per trial
and the best trial; writes search.html, results.json and results.csv; the last line on stdout
is the search directory.

examples:
  learnlab search --config search.toml
  learnlab search --config search.toml --sampler random --trials 50 --seed 1
  learnlab search --config search.toml --storage postgresql://me@db-host:5432/learnlab
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, required=True, help="the search file (TOML)")
    parser.add_argument(
        "--sampler", choices=["grid", "random", "tpe", "gp"], help="override [search] sampler"
    )
    parser.add_argument(
        "--pruner", choices=["none", "median", "halving"], help="override [search] pruner"
    )
    parser.add_argument(
        "--trials", type=int, help="finished trials the study is to hold (all workers together)"
    )
    parser.add_argument(
        "--storage",
        metavar="URL",
        help="SQLAlchemy database URL shared by workers (default: sqlite in the search dir)",
    )
    parser.add_argument("--study", metavar="NAME", help="study name (default: the file's stem)")
    parser.add_argument(
        "--search-dir",
        type=Path,
        metavar="PATH",
        help="where trials and the report go (default: runs/search-<study>)",
    )
    parser.add_argument("--seed", type=int, help="the samplers' seed (override [search] seed)")
    parser.add_argument(
        "--no-report",
        dest="report",
        action="store_false",
        help="skip search.html and results.json/csv (extra workers: the last run writes them)",
    )
    add_set_option(parser, "override a setting of the base training config, e.g. --set epochs=3")
    add_threads_option(parser)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from learnlab.pipeline import run_training
    from learnlab.runs import runs_root
    from learnlab.runs.claim import claim_search_dir
    from learnlab.search.runner import run_search
    from learnlab.search.spec import load_search
    from learnlab.search.study import default_storage_url

    spec = load_search(
        args.config,
        sampler=args.sampler,
        pruner=args.pruner,
        trials=args.trials,
        seed=args.seed,
        assignments=args.assignments + threads_assignment(args.threads),
    )
    study_name = args.study or spec.name
    search_dir = args.search_dir or runs_root() / f"search-{study_name}"
    console = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per trial
    # its files (report, trials) have one writer: the workers of this study, not another search
    storage = _storage_key(args.storage or default_storage_url(search_dir))
    claim = claim_search_dir(search_dir, key=f"study {study_name!r} in {storage}")
    try:
        with claim:
            outcome = run_search(
                spec,
                search_dir=search_dir,
                console=console,
                storage_url=args.storage,
                study_name=study_name,
                report=args.report,
                train=run_training,
            )
    except KeyboardInterrupt:
        print("\ninterrupted; run the same command again to resume the search", file=sys.stderr)
        return 130
    print(outcome.search_dir)
    return 0


def _storage_key(url: str) -> str:
    """The storage URL as a search directory's claim records it: password masked (a URL that
    does not parse is refused by the search itself, with its message)."""
    from sqlalchemy.exc import ArgumentError

    from learnlab.search.study import display_url

    try:
        return display_url(url)
    except ArgumentError:
        return url
